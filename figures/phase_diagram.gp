# Phase diagram of `curldyn phase-diagram`: stable (light) and unstable (dark) regions over c = M/N (log) and
# the flipped fraction alpha, the closed-form boundary alpha_c(c), and optionally the finite-size measurement
# (filled dots: most sampled matrices unstable; open: most stable).
# Regenerate the data with:  curldyn phase-diagram --layer hidden|readout [--empirical 220]   (it calls this script)
# Usage: gnuplot -c figures/phase_diagram.gp GRID.dat BOUNDARY.dat EMPIRICAL.dat|"" hidden|readout OUTPUT.png
# A grid of a single c (--c-min = --c-max, or --c-points 1) has no area for pm3d: it is drawn as a 2D strip of
# alpha cells at that c (c axis +-2x around it), with the boundary alpha_c(c) as a segment across the strip.
grid = ARG1
boundary = ARG2
empirical = ARG3
layer = ARG4
output = ARG5

# All stats come first: stats obeys the ranges and log scales set later.
stats grid using 1 nooutput
cmin = STATS_min
cmax = STATS_max
stats grid using 2 nooutput
amin = STATS_min
amax = STATS_max
# alpha step: the first scan line (one blank line between scan lines) holds every alpha
stats grid every :::0::0 using 2 nooutput
da = STATS_records > 1 ? (amax - amin) / (STATS_records - 1) : 0.05
stats boundary using 2 nooutput
alpha_c = STATS_max

set terminal pngcairo size 900,650 enhanced font "Sans,11"
set output output
set view map
set logscale x
set format x "10^{%T}"
set xlabel "ratio c = M/N (inputs / hidden neurons)"
set ylabel (layer eq "hidden" ? "fraction of rule-flipped neurons {/Symbol a}_h (hidden layer)" : "fraction of rule-flipped neurons {/Symbol a}_r (readout)")
set title "Stability of the solution manifold under curl descent: ".layer." flips\n(blue: stable, red: unstable)"
set title offset 0, 1
set autoscale xfix
set yrange [0:1]
set cbrange [0:1]
set palette defined (0 "#dbe9f6", 1 "#d95f5f")
unset colorbox
set bmargin 5
set key at screen 0.5, 0.06 center center horizontal maxrows 1 samplen 2
if (cmin == cmax) {
    # a single c: 2D strip of alpha cells
    set xrange [cmin / 2 : cmax * 2]
    set format x "%g"
    set xtics add (sprintf("%g", cmin) cmin)
    set bmargin 6
    set key at screen 0.5, 0.04 center center horizontal maxrows 1 samplen 2
    set title "Stability of the solution manifold under curl descent: ".layer." flips, single c = ".sprintf("%g", cmin)."\n(blue: stable, red: unstable)"
    set title offset 0, 0
    bt = sprintf("theory {/Symbol a}_c(%g) = %.3g", cmin, alpha_c)
    cell(a) = a < amin + da / 2 ? amin : a - da / 2
    cellhi(a) = a > amax - da / 2 ? amax : a + da / 2
    if (strlen(empirical) > 0) {
        plot grid using 1:2:($1 / 1.25):($1 * 1.25):(cell($2)):(cellhi($2)):3 with boxxyerror fs solid 1.0 noborder fc palette notitle, \
             boundary using ($1 / 1.25):2:($1 * 1.25 - $1 / 1.25):(0) with vectors nohead lw 3 lc rgb "black" title bt, \
             empirical using 1:($4 >= 0.5 ? $2 : NaN) with points pt 7 ps 1 lc rgb "black" title "finite size: unstable", \
             empirical using 1:($4 < 0.5 ? $2 : NaN) with points pt 6 ps 1 lc rgb "#303030" title "finite size: stable"
    } else {
        plot grid using 1:2:($1 / 1.25):($1 * 1.25):(cell($2)):(cellhi($2)):3 with boxxyerror fs solid 1.0 noborder fc palette notitle, \
             boundary using ($1 / 1.25):2:($1 * 1.25 - $1 / 1.25):(0) with vectors nohead lw 3 lc rgb "black" title bt
    }
} else { if (strlen(empirical) > 0) {
    splot grid using 1:2:3 with pm3d notitle, \
          boundary using 1:2:(1) with lines lw 3 lc rgb "black" title "theory {/Symbol a}_c(c)", \
          empirical using 1:2:($4 >= 0.5 ? 1 : NaN) with points pt 7 ps 0.6 lc rgb "black" title "finite size: unstable", \
          empirical using 1:2:($4 < 0.5 ? 1 : NaN) with points pt 6 ps 0.6 lc rgb "#303030" title "finite size: stable"
} else {
    splot grid using 1:2:3 with pm3d notitle, \
          boundary using 1:2:(1) with lines lw 3 lc rgb "black" title "theory {/Symbol a}_c(c)"
} }
