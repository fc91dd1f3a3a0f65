# Fig. 2 of `curldyn figure fig2`: theoretical phase diagrams of the solution manifold, (a) hidden-layer flips and
# (b) readout flips, over c = M/N (log) and the flipped fraction alpha: stable (light) and unstable (dark) regions,
# the closed-form boundary alpha_c(c), and the finite-size measurement (filled dots: most sampled matrices
# unstable; open: most stable). Colours of the reference notebook (hidden #669BBC/#003049, readout #C1121F/#780000).
# Regenerate with:  curldyn figure fig2 [--scale full]   (it calls this script)
# Usage: gnuplot -c figures/phase_diagrams.gp H_GRID H_BOUNDARY H_EMPIRICAL R_GRID R_BOUNDARY R_EMPIRICAL OUTPUT.png
hgrid = ARG1; hboundary = ARG2; hempirical = ARG3
rgrid = ARG4; rboundary = ARG5; rempirical = ARG6
output = ARG7

set terminal pngcairo size 1500,650 enhanced font "Sans,11"
set output output
set multiplot layout 1,2 title "Fig. 2: stability of the solution manifold under curl descent (theory; dots: finite size M + N = 220)"
set view map
set logscale x
set format x "10^{%T}"
set xrange [1e-3:1e2]
set yrange [0:1]
set cbrange [0:1]
unset colorbox
set xlabel "ratio c = M/N (inputs / hidden neurons)"
set key at graph 0.98, 0.98 right top box opaque samplen 2 font ",10" width 1

set title "(a) Phase diagram - hidden layer"
set ylabel "fraction of rule-flipped neurons {/Symbol a}_h"
set palette defined (0 "#669BBC", 1 "#003049")
splot hgrid using 1:2:3 with pm3d notitle, \
      hboundary using 1:2:(1) with lines lw 3 lc rgb "#f4a261" title "theory {/Symbol a}_h^c(c)", \
      hempirical using 1:2:($4 >= 0.5 ? 1 : NaN) with points pt 7 ps 0.8 lc rgb "#ffb703" title "finite size: unstable", \
      hempirical using 1:2:($4 < 0.5 ? 1 : NaN) with points pt 6 ps 0.7 lc rgb "black" title "finite size: stable", \
      keyentry with boxes fs solid 1.0 lc rgb "#669BBC" title "manifold stable", \
      keyentry with boxes fs solid 1.0 lc rgb "#003049" title "manifold unstable"

set title "(b) Phase diagram - readout layer"
set ylabel "fraction of rule-flipped neurons {/Symbol a}_r"
set palette defined (0 "#f2b8bb", 1 "#780000")
splot rgrid using 1:2:3 with pm3d notitle, \
      rboundary using 1:2:(1) with lines lw 3 lc rgb "#2ec4b6" title "theory {/Symbol a}_r^c(c)", \
      rempirical using 1:2:($4 >= 0.5 ? 1 : NaN) with points pt 7 ps 0.8 lc rgb "#ffb703" title "finite size: unstable", \
      rempirical using 1:2:($4 < 0.5 ? 1 : NaN) with points pt 6 ps 0.7 lc rgb "black" title "finite size: stable", \
      keyentry with boxes fs solid 1.0 lc rgb "#f2b8bb" title "manifold stable", \
      keyentry with boxes fs solid 1.0 lc rgb "#780000" title "manifold unstable"
unset multiplot
