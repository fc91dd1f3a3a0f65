# LOCO variance figure of `curldyn figure loco_variance`: for settings S1 and S2 (groups) and each projection
# variant, the weight-space and function-space variance of the NP estimate relative to plain NP (bars: mean over
# batches with 95% intervals) and the closed forms of loco.md 5.1 (diamonds).
# Regenerate with:  curldyn figure loco_variance [--scale full]   (it calls this script)
# Usage: gnuplot -c figures/loco_variance.gp DATAFILE "VARIANT NAMES" OUTPUT.png
# Columns: setting variant Vw_ratio ci Vw_closed ci Vfn_ratio ci Vfn_closed ci cosine ci D_ratio ci kept ci
datafile = ARG1
names = ARG2
output = ARG3
slots = words(names) + 1

set terminal pngcairo size 1100,600 enhanced font "Sans,11"
set output output
set title "LOCO: variance of the node-perturbation gradient with projection, relative to plain NP (linear student at W = 0)"
set logscale y
set format y "%g"
set yrange [0.005:2]
set ylabel "variance ratio to NP"
set grid ytics
set key outside right top
set boxwidth 0.38
set style fill solid 0.7 border -1
set xtics rotate by -30 nomirror
x(setting, variant) = (setting - 1) * slots + variant
label(setting, variant) = sprintf("S%d %s", int(setting), word(names, int(variant) + 1))
plot datafile index 0 using (x($1, $2) - 0.2):3:xtic(label($1, $2)) with boxes lc rgb "#1f77b4" title "weight space V_w", \
     datafile index 0 using (x($1, $2) - 0.2):3:4 with yerrorbars pt -1 lc rgb "black" notitle, \
     datafile index 0 using (x($1, $2) + 0.2):7 with boxes lc rgb "#ff7f0e" title "function space V_{fn}", \
     datafile index 0 using (x($1, $2) + 0.2):7:8 with yerrorbars pt -1 lc rgb "black" notitle, \
     datafile index 0 using (x($1, $2) - 0.2):5 with points pt 12 ps 1.5 lc rgb "#d62728" title "closed form (loco.md 5.1)", \
     datafile index 0 using (x($1, $2) + 0.2):9 with points pt 12 ps 1.5 lc rgb "#d62728" notitle
