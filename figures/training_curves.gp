# Training curves of `curldyn integrate` with finite data: train and test loss against time, one line per
# rule (data set index). Regenerate the data with:  curldyn integrate --train-size 250 ...  (it calls this script)
# Usage: gnuplot -e 'array TITLES[2] = ["rule 0", "rule 1"]' -c figures/training_curves.gp DATAFILE "SUBTITLE" OUTPUT.png
# (TITLES, one line title per data set, is optional; without it the lines are called "index k".)
#
# Axes: log t (t = 0 is not drawn) and log y. Round-off floor: a panel's y axis starts no lower than
# max(1e-16 x its largest value, 1e-28); values below it (round-off, integrator tolerance, exact zeros) run off the
# bottom of the axis instead of being drawn as dynamics. A panel whose every value is below its floor is
# drawn on a linear axis with a note ("zero to round-off"). With a single logged time t > 0 the curves are
# drawn as points; with no time t > 0 at all, on a linear time axis at t = 0.
datafile = ARG1
subtitle = ARG2
output = ARG3

# All stats come first: stats obeys the ranges and log scales set later.
undefine STATS_*
stats datafile using 1 nooutput
nfound = exists("STATS_blocks") ? STATS_blocks : 1
if (!exists("TITLES")) { array TITLES[nfound]; do for [k=1:nfound] { TITLES[k] = sprintf("index %d", k-1) } }
nsets = |TITLES|
# times t > 0 (the log axis)
undefine STATS_*
stats datafile using ($1 > 0 ? $1 : NaN) nooutput
tpos = exists("STATS_max")
tmin = tpos ? STATS_min : 0
tmax = tpos ? STATS_max : 0
# per panel: largest value and smallest positive value over the plotted times
array COL[2] = [2, 3]
array REL[2] = [1e-16, 1e-16]
array ABS[2] = [1e-28, 1e-28]
array YHI[2]
array YLO[2]
array FLOOR[2]
do for [p=1:2] {
    undefine STATS_*
    stats datafile using ((tpos ? $1 > 0 : 1) && column(COL[p]) > 0 ? column(COL[p]) : NaN) nooutput
    YHI[p] = exists("STATS_max") ? STATS_max : 0
    YLO[p] = exists("STATS_min") ? STATS_min : 0
    FLOOR[p] = (YHI[p] * REL[p] > ABS[p]) ? YHI[p] * REL[p] : ABS[p]
}

set terminal pngcairo size 1200,500 enhanced font "Sans,11"
set output output
set datafile commentschars "#"
set multiplot layout 1,2 title "Student-teacher learning: ".subtitle
set xlabel "time t = lr x epochs"
set grid
set key bottom left
if (tpos) {
    set logscale x
    if (tmin < tmax) { set autoscale xfix } else { set xrange [tmin / 3 : tmax * 3]; set xtics add (sprintf("%g", tmin) tmin) }
} else {
    set xrange [-1 : 1]
    set label 10 "only t = 0 was logged" at graph 0.5, 0.9 center
}
# a single logged time: points (pointsize 0 draws none)
psize = (tpos && tmin < tmax) ? 0 : 1.5
xv(t) = tpos ? (t > 0 ? t : NaN) : t
yv(y) = logy ? (y > 0 ? y : 1e-300) : y
array YLABEL[2] = ["1/2 mean (y - y*)^2", "1/2 mean (y - y*)^2"]
array PTITLE[2] = ["train loss", "test loss"]
do for [p=1:2] {
    set ylabel YLABEL[p]
    set title PTITLE[p]
    unset label 1
    logy = (YHI[p] >= FLOOR[p])
    if (logy) {
        set key bottom left
        set logscale y
        set format y (YHI[p] / (YLO[p] > FLOOR[p] ? YLO[p] : FLOOR[p]) > 100 ? "10^{%T}" : "%.3g")
        if (YLO[p] >= FLOOR[p]) {
            set yrange [*:*]
        } else {
            set yrange [FLOOR[p] : *]
            set label 1 sprintf("axis floored at %.0e (round-off below)", FLOOR[p]) at graph 0.98, 0.96 right front font ",9" tc rgb "gray30"
        }
    } else {
        unset logscale y
        set key top right
        set format y "%g"
        set yrange [-0.05 : 1]
        set label 1 sprintf("every value is below %.0e: zero to round-off (linear axis)", ABS[p]) at graph 0.5, 0.5 center
    }
    c = COL[p]
    plot for [i=0:nsets-1] datafile index i using (xv($1)):(yv(column(c))) with linespoints lw 2 pt 7 ps psize lc i+1 title TITLES[i+1]
}
unset multiplot
