# Two panels of learning curves for `curldyn figure loco_learning` and `loco_failure`: relative evaluation loss
# against steps, each method at its best stable learning rate. The curves file holds 2 x PER data sets (panel
# (a): sets 0..PER-1, panel (b): PER..2 PER-1); a method with no stable rate has the single row "0 NaN".
# Regenerate with:  curldyn figure loco_learning | loco_failure   (it calls this script)
# Usage: gnuplot -e 'array TITLES[2*PER] = [...]' -c figures/loco_panels.gp CURVES PER "TITLE A" "TITLE B" "TITLE" OUTPUT.png
datafile = ARG1
per = int(ARG2)
output = ARG6
if (!exists("TITLES")) { array TITLES[2*per]; do for [k=1:2*per] { TITLES[k] = sprintf("index %d", k-1) } }

colours = "#000000 #1f77b4 #17becf #ff7f0e #d62728"
set terminal pngcairo size 1500,600 enhanced font "Sans,11"
set output output
set multiplot layout 1,2 title ARG5
set logscale y
set format y "10^{%T}"
set xlabel "step"
set ylabel "relative evaluation loss L(W)/L(0)"
set grid
set key bottom left
do for [p=0:1] {
    set title (p == 0 ? ARG3 : ARG4)
    plot for [i=0:per-1] datafile index (p*per + i) using 1:2 with lines lw 2 lc rgb word(colours, i % words(colours) + 1) title TITLES[p*per + i + 1]
}
unset multiplot
