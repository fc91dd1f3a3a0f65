# Fig. 5b of the curl-descent paper: mean test-error learning curves of gradient descent and curl descent with
# shaded mean +- SE bands, log-log (epoch + 1 on x, so the state before training, epoch 0, is drawn at 1). The dotted
# line is the 1e-3 threshold of Figs. 5c-f.
# Regenerate with:  curldyn figure fig5b
# Usage: gnuplot -c figures/fig5b_curves.gp DATA "TITLE" OUTPUT.png
# DATA: one set per rule (columns epoch test_mean test_se band_low band_high), titled in '# index k: ...' lines.
data = ARG1
title = ARG2
output = ARG3

stats data using 1 nooutput
nsets = STATS_blocks
set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title title
set xlabel "epoch + 1"
set ylabel "test error E_{test}  (mean {/Symbol \261} SE over inits)"
set logscale xy
set format y "10^{%T}"
set format x "10^{%T}"
set grid
set key top right
set style fill transparent solid 0.25 noborder
array C[4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
title_of(k) = system(sprintf("sed -n 's/^# index %d: //p' '%s'", k, data))
# keep the threshold inside the frame even when no curve gets below it
stats data using 2 nooutput
set yrange [(STATS_min < 1e-3 ? STATS_min : 1e-3) / 3 : *]
set arrow 1 from graph 0, first 1e-3 to graph 1, first 1e-3 nohead dt 3 lw 1.5 lc rgb "gray40"
plot for [k=0:nsets-1] data index k using ($1 + 1):4:5 with filledcurves lc rgb C[k + 1] notitle, \
     for [k=0:nsets-1] data index k using ($1 + 1):2 with lines lw 2 lc rgb C[k + 1] title title_of(k), \
     NaN with lines dt 3 lw 1.5 lc rgb "gray40" title "threshold 10^{-3}"
