# One or two heat maps of a `curldyn figure` grid (the ratio c across, on a log or a linear axis; the flipped fraction
# alpha up), side by side, each with its labelled colour bar and the random-matrix boundary alpha_c(c) drawn over it
# (white line). Every grid point is drawn as its own cell, centred on its (c, alpha).
# Regenerate with:  curldyn figure fig3a | fig3a_inset | fig4 | fig6a | fig6b | fig8   (they call this script)
# Usage: gnuplot -c figures/heatmaps.gp GRID BOUNDARY XSCALE "Y LABEL" "TITLE" "PANEL A" ["PANEL B"] OUTPUT.png
#   GRID: scan lines of c (one blank line between them), columns c alpha value...; BOUNDARY: c alpha_c.
#   XSCALE: log (c evenly spaced in log c) or lin (evenly spaced in c).
#   PANEL: "COLUMN|PANEL TITLE|COLOUR-BAR LABEL[|LOW:HIGH]", COLUMN the grid column shown. One PANEL draws a single map.
#   LOW:HIGH fixes the colour range (widened only if the data leave it), so that maps of one statistic drawn by
#   different figures (Figs. 3a and 6, say) share their colours.
grid = ARG1
boundary = ARG2
logx = (ARG3 eq "log")
ylab = ARG4
title = ARG5
panels = (ARGC >= 8) ? 2 : 1
output = (panels == 2) ? ARG8 : ARG7
array SPEC[2]
SPEC[1] = ARG6
SPEC[2] = (panels == 2) ? ARG7 : ""
array COL[2]
array PTITLE[2]
array CBLABEL[2]
array FIXLO[2]
array FIXHI[2]
do for [p=1:panels] {
    s = SPEC[p]
    i = strstrt(s, "|")
    COL[p] = s[1:i-1] + 0
    s = s[i+1:]
    i = strstrt(s, "|")
    PTITLE[p] = (i > 0) ? s[1:i-1] : s
    s = (i > 0) ? s[i+1:] : ""
    i = strstrt(s, "|")
    CBLABEL[p] = (i > 0) ? s[1:i-1] : (strlen(s) > 0 ? s : "log_{10} E")
    r = (i > 0) ? s[i+1:] : ""
    j = strstrt(r, ":")
    FIXLO[p] = (j > 0) ? real(r[1:j-1]) : NaN
    FIXHI[p] = (j > 0) ? real(r[j+1:]) : NaN
}
# The x coordinate: log10 c on a log axis (so every cell has the same width), c on a linear one.
X(c) = logx ? log10(c) : c

# The colour range of each panel, and the extent of the cells (an image plot's autoscale covers whole cells).
array ZMIN[2]
array ZMAX[2]
do for [p=1:panels] {
    stats grid using (column(COL[p])) nooutput
    ZMIN[p] = (FIXLO[p] == FIXLO[p] && FIXLO[p] < STATS_min) ? FIXLO[p] : STATS_min
    ZMAX[p] = (FIXHI[p] == FIXHI[p] && FIXHI[p] > STATS_max) ? FIXHI[p] : STATS_max
}
stats grid using (X($1)):2 nooutput
scans = STATS_blank + 1
rows = STATS_records / scans
dx = (scans > 1) ? (STATS_max_x - STATS_min_x) / (scans - 1) : 1
dy = (rows > 1) ? (STATS_max_y - STATS_min_y) / (rows - 1) : 0.1
xlo = STATS_min_x - dx / 2
xhi = STATS_max_x + dx / 2
ylo = STATS_min_y - dy / 2
yhi = STATS_max_y + dy / 2

set terminal pngcairo size (panels == 2 ? 1400 : 780),580 enhanced font "Sans,11"
set output output
if (panels == 2) { set multiplot layout 1,2 title title font ",13" }
set xrange [xlo : xhi]
set yrange [ylo : yhi]
set tics out front
if (logx) {
    set xtics 1 format "10^{%.0f}"
    do for [e=floor(xlo):ceil(xhi)] {
        do for [k=2:9] {
            v = e + log10(k)
            if (v > xlo && v < xhi) { set xtics add ("" v 1) }
        }
    }
    set xlabel "ratio c = M/N (inputs / hidden neurons), log scale"
} else {
    set xtics format "%g"
    set xlabel "ratio c = M/N (inputs / hidden neurons)"
}
set ylabel ylab
set palette rgbformulae 33,13,10
set key bottom left textcolor rgb "white" box lc rgb "white" opaque fc rgb "#404040"
do for [p=1:panels] {
    set title (panels == 2 ? PTITLE[p] : title . "\n{/*0.9 " . PTITLE[p] . "}")
    zmin = ZMIN[p]
    zmax = ZMAX[p]
    if (zmin < zmax) { set cbrange [zmin : zmax] } else { set cbrange [zmin - 1 : zmax + 1] }
    set cblabel CBLABEL[p]
    plot grid using (X($1)):2:(column(COL[p])) with image notitle, \
         boundary using (X($1)):2 with lines lw 3 lc rgb "white" title "theory {/Symbol a}_c(c)"
}
if (panels == 2) { unset multiplot }
