# Error against step of `curldyn np-curl`: |u| = |w2 W1 - w*^T| per method (data sets 0..n-1, columns step u, log y),
# the predicted exponential of K's bottom mode A (1 - lr lambda_min)^t with A = |u_0 . v_min| (dashed; A = |u_0| when
# the displacement is along v_min) and the linear theory |u_0 (I - lr K)^t| (data set n, dotted).
# Regenerate with:  curldyn np-curl --flip-hidden 15   (it calls this script)
# Usage: gnuplot -e 'array TITLES[2] = ["gd", "np"]' -c figures/np_curl.gp DATAFILE A FACTOR "SUBTITLE" OUTPUT.png
# (TITLES names the method data sets 0..n-1 and is required.)
datafile = ARG1
amplitude = ARG2 + 0.0
factor = ARG3 + 0.0
subtitle = ARG4
output = ARG5

set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "Rule-flipped neurons near the solution manifold: ".subtitle
set logscale y
set format y "10^{%T}"
set xlabel "step"
set ylabel "|u| = |w_2 W_1 - w*^T|"
set grid
set key below
n = |TITLES|
stats datafile index n using 1 nooutput
set xrange [0 : STATS_max]
# The y range follows the measured curves, so the exponential cannot squash them.
lo = 1e300; hi = 0
do for [k=0:n-1] {
    stats datafile index k using 2 nooutput
    if (STATS_min > 0 && STATS_min < lo) { lo = STATS_min }
    if (STATS_max > hi) { hi = STATS_max }
}
if (hi > 0 && lo < hi) { set yrange [lo / 3 : hi * 3] }
set samples 400
array C[4] = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
plot for [k=1:n] datafile index (k-1) using 1:2 with lines lw 2 lc rgb C[k] title TITLES[k], \
     amplitude * factor**x with lines dt 2 lw 2 lc rgb "black" title sprintf("bottom mode |u_0 v_{min}| (1 - lr {/Symbol l}_{min})^t, factor %.5f", factor), \
     datafile index n using 1:2 with lines dt 3 lw 2 lc rgb "gray40" title "linear theory |u_0 (I - lr K)^t|"
