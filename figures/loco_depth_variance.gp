# LOCO at depth, variance, for `curldyn figure loco_depth_variance`: (a) the relative weight-space variance
# V_w / |G_BP|^2 of the NP estimate of the input layer W_1 and the output layer W_L against depth, without (NP) and
# with LOCO's projection, Monte Carlo (points, 95% bars) beside the closed forms of loco.md 2.3 / 5.1 (lines);
# (b) the same for every layer of the deepest network, with LOCO's function-space ratio to NP.
# Regenerate with:  curldyn figure loco_depth_variance [--scale full]   (it calls this script)
# Usage: gnuplot -c figures/loco_depth_variance.gp DEPTH_TABLE LAYER_TABLE OUTPUT.png
# Columns: depth|layer NP_relvar ci cf LOCO_relvar ci cf Vw_ratio ci cf Vfn_ratio ci cf
depth = ARG1
layers = ARG2
output = ARG3

set terminal pngcairo size 1500,650 enhanced font "Sans,11"
set output output
set multiplot layout 1,2 title "LOCO at depth: variance of the node-perturbation gradient per layer (tanh 100-64-...-64-10, S1, all layers perturbed)"
set logscale y
set format y "10^{%T}"
set grid
set key top left
set ylabel "relative variance V_w / |G_{BP}|^2 (dimensionless)"
set xlabel "depth L (weight layers)"
set title "(a) input layer W_1 and output layer W_L against depth"
plot depth index 0 using 1:2:3 with yerrorbars pt 7 lc rgb "#1f77b4" title "NP, W_1 (Monte Carlo)", \
     depth index 0 using 1:4 with lines lw 2 dt 2 lc rgb "#1f77b4" title "NP, W_1 (closed form)", \
     depth index 0 using 1:5:6 with yerrorbars pt 5 lc rgb "#d62728" title "LOCO, W_1 (Monte Carlo)", \
     depth index 0 using 1:7 with lines lw 2 dt 2 lc rgb "#d62728" title "LOCO, W_1 (closed form)", \
     depth index 1 using 1:2:3 with yerrorbars pt 6 lc rgb "#17becf" title "NP, W_L (Monte Carlo)", \
     depth index 1 using 1:4 with lines lw 2 dt 3 lc rgb "#17becf" title "NP, W_L (closed form)", \
     depth index 1 using 1:5:6 with yerrorbars pt 4 lc rgb "#ff7f0e" title "LOCO, W_L (Monte Carlo)", \
     depth index 1 using 1:7 with lines lw 2 dt 3 lc rgb "#ff7f0e" title "LOCO, W_L (closed form)"
set title "(b) every layer of the deepest network"
set xlabel "layer l (W_l; 1 = input layer)"
set xrange [0.5:*]
set autoscale xfixmax
set offsets 0, 0.5, 0, 0
set key below maxrows 2 width -2
set y2tics
set y2label "LOCO / NP function-space variance V_{fn}"
set logscale y2
set format y2 "%g"
plot layers index 0 using 1:2:3 with yerrorbars pt 7 lc rgb "#1f77b4" title "NP (Monte Carlo)", \
     layers index 0 using 1:4 with lines lw 2 dt 2 lc rgb "#1f77b4" title "NP (closed form)", \
     layers index 0 using 1:5:6 with yerrorbars pt 5 lc rgb "#d62728" title "LOCO (Monte Carlo)", \
     layers index 0 using 1:7 with lines lw 2 dt 2 lc rgb "#d62728" title "LOCO (closed form)", \
     layers index 0 using 1:11:12 axes x1y2 with yerrorbars pt 9 lc rgb "#2ca02c" title "V_{fn} ratio LOCO/NP (right axis)", \
     layers index 0 using 1:13 axes x1y2 with lines lw 1 dt 4 lc rgb "#2ca02c" title "V_{fn} ratio, closed form"
unset multiplot
