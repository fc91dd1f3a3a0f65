# Critical fraction against c from `curldyn critical`: the closed form (line) and finite-size measurements
# (points with the spread over draws). Regenerate with:  curldyn critical --layer hidden --sizes 100 400   (it calls this script)
# Usage: gnuplot -c figures/critical.gp DATAFILE hidden|readout OUTPUT.png
datafile = ARG1
layer = ARG2
output = ARG3

set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "Critical fraction of rule-flipped neurons: ".layer." flips"
set logscale x
set format x "10^{%T}"
set xlabel "ratio c = M/N"
set ylabel "critical fraction {/Symbol a}_c"
set yrange [0:1.05]
set grid
set key top right
stats datafile using 1 nooutput
nsets = STATS_blocks
plot datafile index 0 using 1:2 with lines lw 2 lc rgb "black" title "theory", \
     for [i=1:nsets-1] datafile index i using 1:2:3 with yerrorbars pt 7 ps 0.8 title columnhead(0)
