# Spectrum of the stability matrix from `curldyn spectrum`: limiting density (line), spectral edges (dashed),
# and the histogram of sampled eigenvalues when present.
# Regenerate with:  curldyn spectrum --layer readout --c 10 --alpha 0.5 --sample-hidden 400   (it calls this script)
# Usage: gnuplot -c figures/spectrum.gp DATAFILE "TITLE" HAS_HISTOGRAM(0|1) OUTPUT.png
datafile = ARG1
title = ARG2
histogram = ARG3
output = ARG4

set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "Spectrum: ".title
set xlabel "eigenvalue"
set ylabel "density"
set grid
set key top right
set style fill transparent solid 0.35 noborder
set yrange [0:*]
stats datafile index 0 using 2 nooutput
top = STATS_max
set yrange [0:1.3*top]
if (histogram eq "1") {
    plot datafile index 2 using 1:2 with boxes lc rgb "#7a9cc6" title "sampled eigenvalues", \
         datafile index 0 using 1:2 with lines lw 2 lc rgb "#b03030" title "limiting density", \
         datafile index 1 using 1:(0):(0):(1.3*top) with vectors nohead dt 2 lc rgb "black" title "edges"
} else {
    plot datafile index 0 using 1:2 with lines lw 2 lc rgb "#b03030" title "limiting density", \
         datafile index 1 using 1:(0):(0):(1.3*top) with vectors nohead dt 2 lc rgb "black" title "edges"
}
