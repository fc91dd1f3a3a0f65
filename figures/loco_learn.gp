# Learning curves of `curldyn loco-learn`: relative evaluation loss against steps, each method at its best
# stable learning rate (data set index). Regenerate with:  curldyn loco-learn --setting s1   (it calls this script)
# Usage: gnuplot -e 'array TITLES[2] = ["rule 0", "rule 1"]' -c figures/loco_learn.gp CURVESFILE "SUBTITLE" OUTPUT.png
# (TITLES, one line title per data set, is optional; without it the lines are called "index k".)
# A method with no stable learning rate on the grid has an empty data set: it stays in the legend, marked
# "(no stable lr)"; when every set is empty the figure is an empty frame with a note.
datafile = ARG1
subtitle = ARG2
output = ARG3

# An empty data set leaves only its "# index k:" line, and gnuplot's `index` merges runs of blank lines, so
# sets are told apart by those lines: every line is read whole (no comment character, tab separator) and
# the current set number is kept in `cur`.
set datafile commentschars ""
set datafile separator "\t"
setno(s) = (s[1:8] eq "# index " && strstrt(s, ":") > 9) ? int(real(s[9:strstrt(s, ":") - 1])) : -1
cur = -1
xk(k) = (s = strcol(1), s[1:1] eq "#" ? (setno(s) >= 0 ? (cur = setno(s), NaN) : NaN) : (cur == k ? real(word(s, 1)) : NaN))
yk(k) = (s[1:1] ne "#" && cur == k && real(word(s, 2)) > 0) ? real(word(s, 2)) : NaN
# All stats come first: stats obeys the ranges and log scales set later.
undefine STATS_*
stats datafile using (s = strcol(1), setno(s)) nooutput
nfound = exists("STATS_max") ? STATS_max + 1 : 1
if (!exists("TITLES")) { array TITLES[nfound]; do for [k=1:nfound] { TITLES[k] = sprintf("index %d", k-1) } }
nsets = |TITLES|
array NPTS[nsets]
ylo = 0; yhi = 0
do for [k=1:nsets] {
    undefine STATS_*
    stats datafile using (xk(k-1)):(yk(k-1)) nooutput
    NPTS[k] = exists("STATS_records") ? STATS_records : 0
    if (NPTS[k] > 0) {
        if (ylo == 0 || STATS_min_y < ylo) { ylo = STATS_min_y }
        if (STATS_max_y > yhi) { yhi = STATS_max_y }
    }
}
anydata = yhi > 0
set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "NP, LOCO and ablations on the clustered task: ".subtitle
set logscale y
set format y (ylo > 0 && yhi / ylo < 100 ? "%g" : "10^{%T}")
set xlabel "step"
set ylabel "relative evaluation loss L(W)/L(0)"
set grid
set key bottom left
if (!anydata) {
    set xrange [0 : 1]
    set yrange [1e-3 : 1]
    set label 1 "no stable learning rate on the grid for any method:\nevery curve is empty (lower --lr-min)" at graph 0.5, 0.5 center
    plot for [i=1:nsets] 1e-300 with lines lw 2 lc i title TITLES[i]." (no stable lr)"
} else {
    plot for [i=0:nsets-1] datafile using (xk(i)):(yk(i)) with linespoints lw 2 pt 7 ps (NPTS[i+1] == 1 ? 1.5 : 0) lc i+1 \
         title TITLES[i+1].(NPTS[i+1] == 0 ? " (no stable lr)" : "")
}
