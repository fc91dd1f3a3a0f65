# Learning curves of `curldyn integrate`: loss and |u| against time, one line per rule (data set index).
# Regenerate the data with:  curldyn integrate --out out   (it calls this script itself)
# Usage: gnuplot -e 'array TITLES[2] = ["rule 0", "rule 1"]' -c figures/learning_curves.gp DATAFILE "SUBTITLE" OUTPUT.png
# (TITLES, one line title per data set, is optional; without it the lines are called "index k".)
datafile = ARG1
subtitle = ARG2
output = ARG3

set terminal pngcairo size 1200,500 enhanced font "Sans,11"
set output output
set datafile commentschars "#"
set multiplot layout 1,2 title "Linear student-teacher flow: ".subtitle
set logscale xy
set autoscale xfix
set format y "10^{%T}"
set xlabel "time t"
set grid
set key bottom left
if (!exists("TITLES")) { array TITLES[10]; do for [k=1:10] { TITLES[k] = sprintf("index %d", k-1) } }
stats datafile using 1 nooutput
nsets = STATS_blocks
set ylabel "loss  L = {/Symbol s}_x^2/2 |u|^2"
set title "loss"
plot for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):2 with lines lw 2 title TITLES[i+1]
set ylabel "|u| = |W_2 W_1 - w^*|"
set title "error norm"
plot for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):3 with lines lw 2 title TITLES[i+1]
unset multiplot
