# NP variance sweep of `curldyn np-sweep`: Monte Carlo trace variance of the first layer's (W_1) NP estimate (points with
# standard-error bars) and the linearised closed form of loco.md 2.3 / 5.1 (line), against the swept parameter.
# Regenerate with:  curldyn np-sweep --parameter width   (it calls this script)
# Usage: gnuplot -c figures/np_sweep.gp DATAFILE PARAMETER LOGX(0|1) "SUBTITLE" OUTPUT.png
datafile = ARG1
parameter = ARG2
logx = ARG3 + 0
subtitle = ARG4
output = ARG5

# a single swept value: the closed form is drawn as a point (a line needs two)
stats datafile index 0 using 1:4 nooutput
cf_ps = STATS_records < 2 ? 2 : 0
set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "NP weight-space variance of W_1 against ".parameter.": ".subtitle
if (logx) { set logscale x; set format x "%g" }
set logscale y
set format y "10^{%T}"
set xlabel parameter
set ylabel "tr Cov(G-hat_1)"
set grid
set key top left
set offsets graph 0.03, graph 0.03, 0, 0
plot datafile index 0 using 1:4 with linespoints lw 2 pt 4 ps cf_ps lc rgb "#1f77b4" title "closed form (linearised)", \
     datafile index 0 using 1:2:3 with yerrorbars pt 7 ps 1.2 lc rgb "#d62728" title "Monte Carlo ± 1 se"
