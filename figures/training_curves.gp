# Training curves of `curldyn integrate` with finite data: train and test loss against time, one line per
# rule (data set index). Regenerate the data with:  curldyn integrate --train-size 250 ...  (it calls this script)
# Usage: gnuplot -e 'array TITLES[2] = ["rule 0", "rule 1"]' -c figures/training_curves.gp DATAFILE "SUBTITLE" OUTPUT.png
# (TITLES, one line title per data set, is optional; without it the lines are called "index k".)
datafile = ARG1
subtitle = ARG2
output = ARG3

set terminal pngcairo size 1200,500 enhanced font "Sans,11"
set output output
set multiplot layout 1,2 title "Student-teacher learning: ".subtitle
set logscale xy
set autoscale xfix
set format y "10^{%T}"
set xlabel "time t = lr x epochs"
set grid
set key bottom left
if (!exists("TITLES")) { array TITLES[10]; do for [k=1:10] { TITLES[k] = sprintf("index %d", k-1) } }
stats datafile using 1 nooutput
nsets = STATS_blocks
set title "train loss"
set ylabel "1/2 mean (y - y*)^2"
plot for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):2 with lines lw 2 title TITLES[i+1]
set title "test loss"
plot for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):3 with lines lw 2 title TITLES[i+1]
unset multiplot
