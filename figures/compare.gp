# Mean learning curves of `curldyn compare` (paired protocol over seeds): mean test loss with a band of
# +- one standard error, one colour per rule (data set index). Regenerate with:  curldyn compare ...
# Usage: gnuplot -e 'array TITLES[2] = ["rule 0", "rule 1"]' -c figures/compare.gp CURVESFILE "SUBTITLE" OUTPUT.png
# (TITLES, one line title per data set, is optional; without it the lines are called "index k".)
#
# Axes: log t (t = 0 is not drawn) and log y. Round-off floor: the y axis starts no lower than
# max(1e-16 x the largest mean, 1e-28); values below it (round-off, exact zeros) run off the bottom instead of
# being drawn as dynamics. If every mean is below the floor the axis is linear with a note ("zero to
# round-off"). A single logged time t > 0 is drawn as points; no time t > 0, on a linear time axis at t = 0.
datafile = ARG1
subtitle = ARG2
output = ARG3

# All stats come first: stats obeys the ranges and log scales set later.
undefine STATS_*
stats datafile using 1 nooutput
nfound = exists("STATS_blocks") ? STATS_blocks : 1
if (!exists("TITLES")) { array TITLES[nfound]; do for [k=1:nfound] { TITLES[k] = sprintf("index %d", k-1) } }
nsets = |TITLES|
undefine STATS_*
stats datafile using ($1 > 0 ? $1 : NaN) nooutput
tpos = exists("STATS_max")
tmin = tpos ? STATS_min : 0
tmax = tpos ? STATS_max : 0
undefine STATS_*
stats datafile using ((tpos ? $1 > 0 : 1) && $4 > 0 ? $4 : NaN) nooutput
yhi = exists("STATS_max") ? STATS_max : 0
ylo = exists("STATS_min") ? STATS_min : 0
floor = (yhi * 1e-16 > 1e-28) ? yhi * 1e-16 : 1e-28
logy = (yhi >= floor)

set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "Paired comparison: ".subtitle
set xlabel "time t = lr x epochs"
set ylabel "mean test loss"
set grid
set key bottom left
if (tpos) {
    set logscale x
    if (tmin < tmax) { set autoscale xfix } else { set xrange [tmin / 3 : tmax * 3]; set xtics add (sprintf("%g", tmin) tmin) }
} else {
    set xrange [-1 : 1]
    set label 10 "only t = 0 was logged" at graph 0.5, 0.9 center
}
psize = (tpos && tmin < tmax) ? 0 : 1.5
xv(t) = tpos ? (t > 0 ? t : NaN) : t
yv(y) = logy ? (y > 0 ? y : 1e-300) : y
if (logy) {
    set logscale y
    set format y (yhi / (ylo > floor ? ylo : floor) > 100 ? "10^{%T}" : "%.3g")
    if (ylo < floor) {
        set yrange [floor : *]
        set label 1 sprintf("axis floored at %.0e (round-off below)", floor) at graph 0.98, 0.96 right front font ",9" tc rgb "gray30"
    }
} else {
    set key top right
    set format y "%g"
    set yrange [-0.05 : 1]
    set label 1 "every mean is below 1e-28: zero to round-off (linear axis)" at graph 0.5, 0.5 center
}
set style fill transparent solid 0.2 noborder
plot for [i=0:nsets-1] datafile index i using (xv($1)):(yv(($4-$5) > 0 ? $4-$5 : $4)):(yv($4+$5)) with filledcurves lc i+1 notitle, \
     for [i=0:nsets-1] datafile index i using (xv($1)):(psize > 0 ? yv($4) : NaN):(yv(($4-$5) > 0 ? $4-$5 : $4)):(yv($4+$5)) \
         with yerrorbars pt 7 ps psize lc i+1 notitle, \
     for [i=0:nsets-1] datafile index i using (xv($1)):(yv($4)) with linespoints lw 2 pt 7 ps psize lc i+1 title TITLES[i+1]
