# Phase diagram of `curldyn phase-diagram`: stable (light) and unstable (dark) regions over c = M/N (log) and
# the flipped fraction alpha, the closed-form boundary alpha_c(c), and optionally the finite-size measurement
# (filled dots: most sampled matrices unstable; open: most stable).
# Regenerate the data with:  curldyn phase-diagram --layer hidden|readout [--empirical 220]   (it calls this script)
# Usage: gnuplot -c figures/phase_diagram.gp GRID.dat BOUNDARY.dat EMPIRICAL.dat|"" hidden|readout OUTPUT.png
grid = ARG1
boundary = ARG2
empirical = ARG3
layer = ARG4
output = ARG5

set terminal pngcairo size 900,650 enhanced font "Sans,11"
set output output
set view map
set logscale x
set format x "10^{%T}"
set xlabel "ratio c = M/N (inputs / hidden neurons)"
set ylabel (layer eq "hidden" ? "fraction of rule-flipped neurons {/Symbol a}_h (hidden layer)" : "fraction of rule-flipped neurons {/Symbol a}_r (readout)")
set title "Stability of the solution manifold under curl descent: ".layer." flips\n(blue: stable, red: unstable)"
set autoscale xfix
set yrange [0:1]
set cbrange [0:1]
set palette defined (0 "#dbe9f6", 1 "#d95f5f")
unset colorbox
set bmargin 5
set key at screen 0.5, 0.06 center center horizontal maxrows 1 samplen 2
if (strlen(empirical) > 0) {
    splot grid using 1:2:3 with pm3d notitle, \
          boundary using 1:2:(1) with lines lw 3 lc rgb "black" title "theory {/Symbol a}_c(c)", \
          empirical using 1:2:($4 >= 0.5 ? 1 : NaN) with points pt 7 ps 0.6 lc rgb "black" title "finite size: unstable", \
          empirical using 1:2:($4 < 0.5 ? 1 : NaN) with points pt 6 ps 0.6 lc rgb "#303030" title "finite size: stable"
} else {
    splot grid using 1:2:3 with pm3d notitle, \
          boundary using 1:2:(1) with lines lw 3 lc rgb "black" title "theory {/Symbol a}_c(c)"
}
