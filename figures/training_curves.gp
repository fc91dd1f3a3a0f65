# Training curves of `curldyn integrate` with finite data: train and test loss against time, one line per
# rule (data set index). Regenerate the data with:  curldyn integrate --train-size 250 ...  (it calls this script)
# Usage: gnuplot -c figures/training_curves.gp DATAFILE "TITLE0;TITLE1;..." "SUBTITLE" OUTPUT.png
datafile = ARG1
titles = ARG2
subtitle = ARG3
output = ARG4

set terminal pngcairo size 1200,500 enhanced font "Sans,11"
set output output
set multiplot layout 1,2 title "Student-teacher learning: ".subtitle
set logscale xy
set autoscale xfix
set format y "10^{%T}"
set xlabel "time t = lr x epochs"
set grid
set key bottom left
# Titles are ';'-separated (they contain spaces, which gnuplot's word() would split on).
array T[10]
do for [k=1:10] { T[k] = sprintf("index %d", k-1) }
t = titles
k = 1
while (strlen(t) > 0 && k <= 10) {
    p = strstrt(t, ";")
    if (p == 0) { T[k] = t; t = "" } else { T[k] = t[1:p-1]; t = t[p+1:] }
    k = k + 1
}
stats datafile using 1 nooutput
nsets = STATS_blocks
set title "train loss"
set ylabel "1/2 mean (y - y*)^2"
plot for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):2 with lines lw 2 title T[i+1]
set title "test loss"
plot for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):3 with lines lw 2 title T[i+1]
unset multiplot
