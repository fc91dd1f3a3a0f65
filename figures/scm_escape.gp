# Soft-committee-machine plateau escape (`curldyn figure scm_escape`): left, the first alpha = steps / N at which
# eps_g falls to the threshold against the number of flipped readouts (a run that never escapes is drawn at the
# top edge as an open marker); right, eps_g at the end of the run (log scale). One data set per student size K.
# Columns: flipped_readouts, escape_time (NaN: never), final_eps_g, completed.
# Usage: gnuplot -e 'array TITLES[3] = ["K = 2", ...]' -c figures/scm_escape.gp DATAFILE "SUBTITLE" OUTPUT.png
datafile = ARG1
subtitle = ARG2
output = ARG3
undefine STATS_*
stats datafile using 1 nooutput
nfound = exists("STATS_blocks") ? STATS_blocks : 1
if (!exists("TITLES")) { array TITLES[nfound]; do for [k=1:nfound] { TITLES[k] = sprintf("index %d", k-1) } }
nsets = |TITLES|
xmax = STATS_max
undefine STATS_*
stats datafile using 2 nooutput
tmax = exists("STATS_max") ? STATS_max : 1
top = tmax * 1.3
set terminal pngcairo size 1200,500 enhanced font "Sans,11"
set output output
set datafile commentschars "#"
set multiplot layout 1,2 title "Soft committee machine: ".subtitle
set key noenhanced top left
set grid
set xrange [-0.3:xmax + 0.3]
set xtics 1
set xlabel "flipped readouts"
set ylabel "escape time {/Symbol a} = steps / N"
set yrange [0:top * 1.05]
set label 1 "open markers at the top: never escaped" at graph 0.98, graph 0.04 right font ",9"
off(i) = (i - (nsets - 1) / 2.0) * 0.08
plot for [i=0:nsets-1] datafile index i using ($1 + off(i)):2 with linespoints pt 7 ps 1.2 lw 1.5 lc i+1 title TITLES[i+1], \
     for [i=0:nsets-1] datafile index i using ($1 + off(i)):(strcol(2) eq "NaN" || strcol(2) eq "nan" ? top : NaN) with points pt 6 ps 1.6 lc i+1 notitle
unset label 1
set ylabel "final generalisation error {/Symbol e}_g"
set logscale y
set autoscale y
set format y "10^{%T}"
set key top left
plot for [i=0:nsets-1] datafile index i using ($1 + off(i)):($3 > 0 ? $3 : NaN) with linespoints pt 7 ps 1.2 lw 1.5 lc i+1 title TITLES[i+1]
unset multiplot
