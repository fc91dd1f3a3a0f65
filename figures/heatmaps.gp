# Two heat maps of a `curldyn figure` grid (c on a log axis, the flipped fraction alpha up), side by side, each
# with its colour bar, and the random-matrix boundary alpha_c(c) drawn over both (white line).
# Regenerate with:  curldyn figure fig4   (it calls this script)
# Usage: gnuplot -c figures/heatmaps.gp GRID BOUNDARY COLUMN_A "TITLE A" COLUMN_B "TITLE B" "Y LABEL" "TITLE" OUTPUT.png
# GRID: scan lines of c (one blank line between them), columns c alpha value...; BOUNDARY: c alpha_c.
grid = ARG1
boundary = ARG2
colA = ARG3 + 0
titleA = ARG4
colB = ARG5 + 0
titleB = ARG6
ylab = ARG7
title = ARG8
output = ARG9

# stats first: it obeys ranges and log scales set later
stats grid using 1 nooutput
cmin = STATS_min
cmax = STATS_max
array ZMIN[2]
array ZMAX[2]
do for [p=1:2] {
    stats grid using (column(p == 1 ? colA : colB)) nooutput
    ZMIN[p] = STATS_min
    ZMAX[p] = STATS_max
}
set terminal pngcairo size 1300,560 enhanced font "Sans,11"
set output output
set multiplot layout 1,2 title title
set view map
set pm3d map corners2color c1
set logscale x
if (cmin < cmax) { set xrange [cmin : cmax] } else { set xrange [cmin / 2 : cmax * 2] }
set yrange [0 : 1]
set format x "10^{%T}"
set xlabel "ratio c = M/N"
set ylabel ylab
set palette rgbformulae 33,13,10
set key bottom left textcolor rgb "white" box lc rgb "white"
do for [p=1:2] {
    col = (p == 1) ? colA : colB
    set title (p == 1) ? titleA : titleB
    zmin = ZMIN[p]
    zmax = ZMAX[p]
    if (zmin < zmax) { set cbrange [zmin : zmax] } else { set cbrange [zmin - 1 : zmax + 1] }
    set cblabel "log_{10} E"
    splot grid using 1:2:(column(col)) with pm3d notitle, \
          boundary using 1:2:(zmax) with lines lw 3 lc rgb "white" title "theory {/Symbol a}_c(c)"
}
unset multiplot
