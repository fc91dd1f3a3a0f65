# Learning curves of `curldyn loco-learn`: relative evaluation loss against steps, each method at its best
# stable learning rate (data set index). Regenerate with:  curldyn loco-learn --setting s1   (it calls this script)
# Usage: gnuplot -e 'array TITLES[2] = ["rule 0", "rule 1"]' -c figures/loco_learn.gp CURVESFILE "SUBTITLE" OUTPUT.png
# (TITLES, one line title per data set, is optional; without it the lines are called "index k".)
datafile = ARG1
subtitle = ARG2
output = ARG3

set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "NP, LOCO and ablations on the clustered task: ".subtitle
set logscale y
set format y "10^{%T}"
set xlabel "step"
set ylabel "relative evaluation loss L(W)/L(0)"
set grid
set key top right
if (!exists("TITLES")) { array TITLES[10]; do for [k=1:10] { TITLES[k] = sprintf("index %d", k-1) } }
stats datafile using 1 nooutput
nsets = STATS_blocks
plot for [i=0:nsets-1] datafile index i using 1:2 with lines lw 2 title TITLES[i+1]
