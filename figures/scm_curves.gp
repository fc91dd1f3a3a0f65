# Soft-committee-machine learning curves of `curldyn scm curve` / `curldyn scm sweep`: eps_g against alpha = steps/N,
# one line per data set (the order-parameter ODE, column 2), and where present the online-SGD simulation's
# mean +- standard error over replicates (columns 3, 4) as points with error bars.
# With a PLATEAU argument (eps_g of the symmetric plateau), a dashed horizontal line marks that height.
# Usage: gnuplot -e 'array TITLES[2] = ["a", "b"]' -c figures/scm_curves.gp DATAFILE "SUBTITLE" [PLATEAU] OUTPUT.png
datafile = ARG1
subtitle = ARG2
plateau = (ARGC >= 4) ? real(ARG3) : NaN
output = (ARGC >= 4) ? ARG4 : ARG3
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
set key bottom left opaque
if (plateau == plateau) {
    set arrow from graph 0, first plateau to graph 1, first plateau nohead dt 2 lc rgb "gray40" lw 1.5
    set label sprintf("symmetric plateau %.4g", plateau) at graph 0.98, first plateau * 0.8 right tc rgb "gray30"
}
yv(y) = y > floor ? y : NaN
# Simulated sets carry 4 columns; their points get a legend entry of their own.
undefine STATS_*
stats datafile using 0 nooutput
simulated = (exists("STATS_columns") && STATS_columns >= 4)
plot for [i=0:nsets-1] datafile index i using 1:(yv($2)) with lines lw 2 lc i+1 title TITLES[i+1]." (ODE)", \
     for [i=0:nsets-1] datafile index i using 1:(yv($3)):4 with yerrorbars pt 7 ps 0.6 lc i+1 \
         title (simulated ? TITLES[i+1]." (online SGD, mean +- SE)" : "")
