# The order parameter q against the flipped fraction alpha_h, one curve per c (mean and standard error over inits,
# log y), with the theory's critical alpha_h^c(c) of each c as a dashed vertical line of the same colour.
# Regenerate with:  curldyn figure fig3b   (it calls this script)
# Usage: gnuplot -c figures/q_curves.gp DATA CRITICAL "TITLE" OUTPUT.png
# DATA: one data set per c (columns alpha_h q_mean q_se runs, titled in '# index k: ...' lines); CRITICAL: c alpha_c.
data = ARG1
critical = ARG2
title = ARG3
output = ARG4

stats data using 1 nooutput
nsets = STATS_blocks
stats data using ($2 > 0 ? $2 : NaN) nooutput
qmin = STATS_min
qmax = STATS_max
array C[6] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
# the critical fractions, one per data set, as vertical arrows from the bottom to the top of the plot (read before
# any range is set: stats skips values outside the current ranges)
do for [k=0:nsets-1] {
    stats critical every ::k::k using 2 nooutput
    set arrow (k + 1) from STATS_min, graph 0 to STATS_min, graph 1 nohead dt 2 lw 2 lc rgb C[k + 1]
}
set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title title
set xlabel "fraction of rule-flipped input neurons {/Symbol a}_h"
set ylabel "order parameter q (last 999 epochs)"
set logscale y
set format y "10^{%T}"
set xrange [-0.02 : 1.02]
if (qmin < qmax) { set yrange [qmin / 10 : qmax * 10] }
set grid
set key center right opaque
# titles from the '# index k: ...' lines of the data file
title_of(k) = system(sprintf("sed -n 's/^# index %d: //p' '%s'", k, data))
plot for [k=0:nsets-1] data index k using 1:($2 > 0 ? $2 : NaN):3 with yerrorlines lw 2 pt 7 ps 0.8 lc rgb C[k + 1] title title_of(k), \
     NaN with lines dt 2 lw 2 lc rgb "gray40" title "theory {/Symbol a}_h^c(c) (dashed)"
