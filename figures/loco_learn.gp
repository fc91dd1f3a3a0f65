# Learning curves of `curldyn loco-learn`: relative evaluation loss against steps, each method at its best
# stable learning rate (data set index). Regenerate with:  curldyn loco-learn --setting s1   (it calls this script)
# Usage: gnuplot -c figures/loco_learn.gp CURVESFILE "METHOD0;METHOD1;..." "SUBTITLE" OUTPUT.png
datafile = ARG1
titles = ARG2
subtitle = ARG3
output = ARG4

set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "NP, LOCO and ablations on the clustered task: ".subtitle
set logscale y
set format y "10^{%T}"
set xlabel "step"
set ylabel "relative evaluation loss L(W)/L(0)"
set grid
set key top right
array T[10]
do for [k=1:10] { T[k] = sprintf("index %d", k-1) }
t = titles
k = 1
while (strlen(t) > 0 && k <= 10) {
    p = strstrt(t, ";")
    if (p == 0) { T[k] = t; t = "" } else { T[k] = t[1:p-1]; t = t[p+1:] }
    k = k + 1
}
stats datafile using 1 nooutput
nsets = STATS_blocks
plot for [i=0:nsets-1] datafile index i using 1:2 with lines lw 2 title T[i+1]
