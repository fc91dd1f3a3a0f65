# Variance ratios of `curldyn np-variance`: per layer (groups) and projection variant, the weight-space and
# function-space variance of the NP estimate relative to plain NP (bars with 95% intervals) and the closed forms
# of loco.md 5.1 (diamonds).
# Regenerate with:  curldyn np-variance --hidden 64   (it calls this script)
# Usage: gnuplot -c figures/np_variance.gp DATAFILE "VARIANT NAMES" "SUBTITLE" OUTPUT.png
datafile = ARG1
names = ARG2
subtitle = ARG3
output = ARG4
slots = words(names) + 1

set terminal pngcairo size 1000,600 enhanced font "Sans,11"
set output output
set title "NP variance with projection, relative to plain NP: ".subtitle
set logscale y
set format y "%g"
set ylabel "variance ratio to NP"
set grid ytics
set key outside right top
set boxwidth 0.38
set style fill solid 0.7 border -1
set xtics rotate by -30 nomirror
x(layer, variant) = (layer - 1) * slots + variant
label(layer, variant) = sprintf("W_%d %s", int(layer), word(names, int(variant) + 1))
plot datafile index 0 using (x($1, $2) - 0.2):6:xtic(label($1, $2)) with boxes lc rgb "#1f77b4" title "weight space V_w", \
     datafile index 0 using (x($1, $2) - 0.2):6:7 with yerrorbars pt -1 lc rgb "black" notitle, \
     datafile index 0 using (x($1, $2) + 0.2):11 with boxes lc rgb "#ff7f0e" title "function space V_{fn}", \
     datafile index 0 using (x($1, $2) + 0.2):11:12 with yerrorbars pt -1 lc rgb "black" notitle, \
     datafile index 0 using (x($1, $2) - 0.2):8 with points pt 12 ps 1.5 lc rgb "#d62728" title "closed form (loco.md 5.1)", \
     datafile index 0 using (x($1, $2) + 0.2):13 with points pt 12 ps 1.5 lc rgb "#d62728" notitle
