# Mean learning curves of `curldyn compare` (paired protocol over seeds): mean test loss with a band of
# +- one standard error, one colour per rule (data set index). Regenerate with:  curldyn compare ...
# Usage: gnuplot -e 'array TITLES[2] = ["rule 0", "rule 1"]' -c figures/compare.gp CURVESFILE "SUBTITLE" OUTPUT.png
# (TITLES, one line title per data set, is optional; without it the lines are called "index k".)
datafile = ARG1
subtitle = ARG2
output = ARG3

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
if (!exists("TITLES")) { array TITLES[10]; do for [k=1:10] { TITLES[k] = sprintf("index %d", k-1) } }
stats datafile using 1 nooutput
nsets = STATS_blocks
set style fill transparent solid 0.2 noborder
plot for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):(($4-$5)>0?$4-$5:$4):($4+$5) with filledcurves lc i+1 notitle, \
     for [i=0:nsets-1] datafile index i using ($1>0?$1:NaN):4 with lines lw 2 lc i+1 title TITLES[i+1]
