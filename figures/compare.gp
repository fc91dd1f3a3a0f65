# Mean learning curves of `curldyn compare` (paired protocol over seeds): mean test loss with a band of
# +- one standard error, one colour per rule (data set index). Regenerate with:  curldyn compare ...
# Usage: gnuplot -c figures/compare.gp CURVESFILE "RULE0;RULE1;..." "SUBTITLE" OUTPUT.png
datafile = ARG1
titles = ARG2
subtitle = ARG3
output = ARG4

set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "Paired comparison: ".subtitle
set logscale xy
set autoscale xfix
set format y "10^{%T}"
set xlabel "time t = lr x epochs"
set ylabel "mean test loss"
set grid
set key bottom left
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
set style fill transparent solid 0.2 noborder
plot for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):(($4-$5)>0?$4-$5:$4):($4+$5) with filledcurves lc i+1 notitle, \
     for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):4 with lines lw 2 lc i+1 title T[i+1]
