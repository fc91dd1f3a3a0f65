# LOCO at depth, time per step, for `curldyn figure loco_depth_time`: (a) wall-clock ms per training step of SGD,
# NP and LOCO (layers in sequence and at once) against depth, with the fastest LOCO at once could be on this
# machine; (b) the speed-up of LOCO's projector part from running the layers at once, beside its bound
# min(depth, machine) and the one-core-per-layer line (the "O(1) parallel time" claim).
# Regenerate with:  curldyn figure loco_depth_time [--scale full]   (it calls this script)
# Usage: gnuplot -c figures/loco_depth_time.gp TIME_DATA OUTPUT.png
# Columns: depth sgd_ms np_ms loco_sequence_ms loco_at_once_ms loco_at_once_bound_ms machine_bound projector_speedup projector_speedup_bound
datafile = ARG1
output = ARG2

set terminal pngcairo size 1300,560 enhanced font "Sans,11"
set output output
set multiplot layout 1,2 title "LOCO at depth: time per step, tanh students 100-64-...-64-10, batch 32 (wall clock, BLAS on one thread)"
set grid
set xlabel "depth L (weight layers)"
set offsets 0.3, 0.3, 0, 0
set key top left Left reverse
set title "(a) time per training step"
set ylabel "time per step (ms)"
set yrange [0:*]
plot datafile using 1:2 with linespoints lw 2 pt 7 lc rgb "#000000" title "SGD (backpropagation)", \
     datafile using 1:3 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "NP", \
     datafile using 1:4 with linespoints lw 2 pt 7 lc rgb "#d62728" title "LOCO, layers in sequence", \
     datafile using 1:5 with linespoints lw 2 pt 5 lc rgb "#ff7f0e" title "LOCO, layers at once", \
     datafile using 1:6 with lines lw 1.5 dt 2 lc rgb "#ff7f0e" title "LOCO at once, projector at the machine's bound"
set title "(b) speed-up of LOCO's projector part from running the layers at once"
set ylabel "speed-up (time in sequence / time at once)"
set yrange [0:*]
set key top left Left reverse
plot datafile using 1:8 with linespoints lw 2 pt 7 lc rgb "#ff7f0e" title "measured", \
     datafile using 1:9 with lines lw 1.5 dt 2 lc rgb "#555555" title "bound: min(depth, machine's concurrency)", \
     datafile using 1:1 with lines lw 1 dt 3 lc rgb "#999999" title "one core per layer (speed-up = depth)"
unset multiplot
