# LOCO at depth, learning, for `curldyn figure loco_depth_learning`: per method (SGD, NP, LOCO) against depth,
# (a) the largest learning rate stable for every seed and the best rate, (b) the steps to the relative-loss
# threshold at the best rate and (c) the final relative loss there, means over seeds with 95% bars.
# Regenerate with:  curldyn figure loco_depth_learning [--scale full]   (it calls this script)
# Usage: gnuplot -e 'array TITLES[N] = [...]' -c figures/loco_depth_learning.gp SUMMARY N THRESHOLD OUTPUT.png
# Columns: depth largest_stable_lr best_lr final_loss ci steps ci reached_fraction (one data set per method)
datafile = ARG1
n = int(ARG2)
threshold = ARG3
output = ARG4
if (!exists("TITLES")) { array TITLES[n]; do for [k=1:n] { TITLES[k] = sprintf("method %d", k) } }
colours = "#000000 #1f77b4 #d62728 #ff7f0e #2ca02c"

set terminal pngcairo size 1700,560 enhanced font "Sans,11"
set output output
set multiplot layout 1,3 title "LOCO at depth: tanh students 100-64-...-64-10 learning a teacher of their shape (S1, cluster-pure batches), each method at its best rate"
set grid
set xlabel "depth L (weight layers)"
set offsets 0.3, 0.3, 0, 0
set key top right
set title "(a) learning rates"
set logscale y
set format y "%g"
set ylabel "learning rate (SGD step size)"
plot for [i=0:n-1] datafile index i using 1:2 with linespoints lw 2 pt 7 lc rgb word(colours, i + 1) title TITLES[i + 1]." largest stable", \
     for [i=0:n-1] datafile index i using 1:3 with linespoints lw 1 dt 2 pt 6 lc rgb word(colours, i + 1) title TITLES[i + 1]." best"
unset logscale y
set title "(b) steps to relative loss ".threshold." (seeds that reached it)"
set ylabel "training steps"
set yrange [0:*]
plot for [i=0:n-1] datafile index i using 1:6:7 with yerrorlines lw 2 pt 7 lc rgb word(colours, i + 1) title TITLES[i + 1]
set autoscale y
set title "(c) final relative loss at the best rate"
set logscale y
set format y "10^{%T}"
set ylabel "relative evaluation loss L/L(start)"
set key bottom right
plot for [i=0:n-1] datafile index i using 1:4:5 with yerrorlines lw 2 pt 7 lc rgb word(colours, i + 1) title TITLES[i + 1], \
     threshold + 0 with lines dt 3 lc rgb "#888888" title "threshold"
unset multiplot
