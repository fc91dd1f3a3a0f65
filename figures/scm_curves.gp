# Soft-committee-machine learning curves of `curldyn scm curve` / `curldyn scm sweep`: eps_g against alpha = steps/N,
# one line per data set (the order-parameter ODE, column 2), and where present the online-SGD simulation's
# mean +- standard error over seeds (columns 3, 4) as points with error bars.
# Usage: gnuplot -e 'array TITLES[2] = ["a", "b"]' -c figures/scm_curves.gp DATAFILE "SUBTITLE" OUTPUT.png
datafile = ARG1
subtitle = ARG2
output = ARG3
undefine STATS_*
stats datafile using 1 nooutput
nfound = exists("STATS_blocks") ? STATS_blocks : 1
if (!exists("TITLES")) { array TITLES[nfound]; do for [k=1:nfound] { TITLES[k] = sprintf("index %d", k-1) } }
nsets = |TITLES|
undefine STATS_*
stats datafile using ($2 > 0 ? $2 : NaN) nooutput
ymax = exists("STATS_max") ? STATS_max : 1
ymin = exists("STATS_min") ? STATS_min : ymax / 10
# Round-off floor: values below 1e-12 of the largest are not dynamics.
floor = (ymin / 2 > ymax * 1e-12) ? ymin / 2 : ymax * 1e-12
set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set datafile commentschars "#"
set title "Soft committee machine: ".subtitle
set xlabel "{/Symbol a} = steps / N"
set ylabel "generalisation error {/Symbol e}_g"
set logscale y
set yrange [floor:ymax * 2]
set format y (ymax / floor > 100 ? "10^{%T}" : "%.3g")
set key noenhanced
set grid
set key top right
yv(y) = y > floor ? y : NaN
plot for [i=0:nsets-1] datafile index i using 1:(yv($2)) with lines lw 2 lc i+1 title TITLES[i+1], \
     for [i=0:nsets-1] datafile index i using 1:(yv($3)):4 with yerrorbars pt 7 ps 0.6 lc i+1 notitle
