# Critical fraction against c from `curldyn critical`: the closed form (line) and finite-size measurements
# (points with the spread over draws). Regenerate with:  curldyn critical --layer hidden --sizes 100 400   (it calls this script)
# Usage: gnuplot -c figures/critical.gp DATAFILE hidden|readout OUTPUT.png
# Legend titles are read from the data file's "# index k: title" lines (fallback "measured, data set k"), so
# every data row is plotted. The y axis is [0:1.05] unless a value lies outside; c is on a log axis when it
# spans more than a decade, else linear (a single c: +-20% around it); a theory curve of fewer than two points
# is drawn as points.
datafile = ARG1
layer = ARG2
output = ARG3

# All stats come first: stats obeys the ranges and log scales set later.
# Titles of the data sets: read every line whole (no comment character, tab separator) and keep the
# text after "# index k: ".
array SETTITLE[100]
do for [k=1:100] { SETTITLE[k] = "" }
set datafile commentschars ""
set datafile separator "\t"
stats datafile using (s = strcol(1), (s[1:8] eq "# index " && strstrt(s, ":") > 9) ? \
    (k = int(real(s[9:strstrt(s, ":") - 1])), (k >= 0 && k < 100) ? (SETTITLE[k+1] = s[strstrt(s, ":") + 2:], 0) : 0) : 0) nooutput
set datafile commentschars "#"
set datafile separator whitespace
undefine STATS_*
stats datafile using 1 nooutput
nsets = STATS_blocks
cmin = STATS_min
cmax = STATS_max
stats datafile using 2 nooutput
ylo = STATS_min
yhi = STATS_max
undefine STATS_*
stats datafile index 0 using 1 nooutput
ntheory = exists("STATS_records") ? STATS_records : 0
if (ntheory == 1) { stats datafile index 0 using 2 nooutput; theory_value = STATS_max }

set terminal pngcairo size 900,600 enhanced font "Sans,11"
set output output
set title "Critical fraction of rule-flipped neurons: ".layer." flips"
if (cmax > 10 * cmin) {
    set logscale x
    set format x (cmax / cmin > 100 ? "10^{%T}" : "%g")
} else {
    # less than a decade of c (or a single c): a linear axis with margins
    if (cmin == cmax) { set xrange [cmin * 0.8 : cmax * 1.2]; set xtics add (sprintf("%g", cmin) cmin) } else { set offsets graph 0.05, graph 0.05, 0, 0 }
}
set xlabel "ratio c = M/N"
set ylabel "critical fraction {/Symbol a}_c"
set yrange [(ylo < 0 ? ylo - 0.05 : 0) : (yhi > 1.05 ? yhi + 0.05 : 1.05)]
set grid
set key top right
theory_ps = ntheory < 2 ? 1.5 : 0
if (ntheory == 1) { set label 1 sprintf("theory: {/Symbol a}_c(%g) = %.3g", cmin, theory_value) at first cmin, first theory_value offset 1.5, 1.2 left }
mtitle(i) = strlen(SETTITLE[i+1]) > 0 ? SETTITLE[i+1] : sprintf("measured, data set %d", i)
plot datafile index 0 using 1:2 with linespoints lw 2 pt 6 ps theory_ps lc rgb "black" \
         title (strlen(SETTITLE[1]) > 0 ? SETTITLE[1] : "theory"), \
     for [i=1:nsets-1] datafile index i using 1:2:3 with yerrorbars pt 7 ps 0.8 lc i title mtitle(i)
