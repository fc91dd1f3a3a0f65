# The leading Lyapunov exponent of the learning flow (top; error bars: standard error) and the order parameter q
# (bottom, log y) against the flipped fraction alpha, one curve per data set (one c), with the theory's critical
# fraction of each set as a dashed vertical line of the same colour.
# Regenerate with:  curldyn lyapunov ...  or  curldyn figure lyapunov_hidden / lyapunov_readout  (they call this script)
# Usage: gnuplot -c figures/lyapunov.gp DATA CRITICAL "TITLE" OUTPUT.png
# DATA: columns alpha, (count), lambda_1, lambda_1_se, ..., q in column 7, titled in '# index k: ...' lines;
# CRITICAL: c alpha_c, one row per data set.
data = ARG1
critical = ARG2
title = ARG3
output = ARG4

stats data using 1 nooutput
nsets = STATS_blocks
stats data using ($7 > 0 ? $7 : NaN) nooutput
qmin = STATS_min
qmax = STATS_max
set terminal pngcairo size 900,900 enhanced font "Sans,11"
set output output
array C[6] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
title_of(k) = system(sprintf("sed -n 's/^# index %d: //p' '%s'", k, data))
set multiplot layout 2,1 title title
set xrange [-0.02 : 1.02]
set grid
set key top left
do for [k=0:nsets-1] {
    stats critical every ::k::k using 2 nooutput
    set arrow (k + 1) from STATS_min, graph 0 to STATS_min, graph 1 nohead dt 2 lw 2 lc rgb C[k + 1]
}
set xlabel "fraction of rule-flipped neurons {/Symbol a}"
set ylabel "leading Lyapunov exponent {/Symbol l}_1 (per unit flow time)"
set arrow 100 from graph 0, first 0 to graph 1, first 0 nohead lw 1 lc rgb "black"
plot for [k=0:nsets-1] data index k using 1:3:4 with yerrorlines lw 2 pt 7 ps 0.8 lc rgb C[k + 1] title title_of(k), \
     NaN with lines dt 2 lw 2 lc rgb "gray40" title "theory {/Symbol a}^c(c) (dashed)"
unset arrow 100
set ylabel "order parameter q"
set logscale y
set format y "10^{%T}"
if (qmin < qmax) { set yrange [qmin / 10 : qmax * 10] }
plot for [k=0:nsets-1] data index k using 1:($7 > 0 ? $7 : NaN) with linespoints lw 2 pt 7 ps 0.8 lc rgb C[k + 1] notitle
unset multiplot
