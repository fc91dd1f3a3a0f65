# Epochs to a test error of 1e-3 against one parameter (Figs. 5c-f, 10, 11 of the curl-descent paper): per curve
# family, gradient descent (circles, solid) and curl descent (squares, dashed), mean +- standard error over inits
# (error bars), log y. With a BAND file (fig5f, fig11d) only curl is drawn against the axis and GD, pooled over the
# grid, is a shaded horizontal band (mean +- SE). A value where some runs never reached the threshold (they count as the
# last epoch, the reference's convention) is ringed by an open triangle, and that epoch cap is a dotted line: such a
# mean is a lower bound, not a measurement.
# Regenerate with:  curldyn figure fig5c  (or fig5d, fig5e, fig5f, fig10ab, fig10c, fig11a ... fig11d)
# Usage: gnuplot -c figures/epochs_to_threshold.gp DATA BAND|none "X LABEL" "TITLE" OUTPUT.png
# DATA: sets in pairs (GD, curl) per family, columns x mean se reached runs train_mean train_se, titled in
# '# index k: ...' lines; BAND: x gd_mean gd_low gd_high (two rows per family).
data = ARG1
band = ARG2
xlabel = ARG3
title = ARG4
output = ARG5

stats data using 1 nooutput
nsets = STATS_blocks
nfam = nsets / 2
set terminal pngcairo size 1250,600 enhanced font "Sans,11"
set output output
set title title
set xlabel xlabel
set ylabel "epochs to test error < 10^{-3}  (mean {/Symbol \261} SE)"
set logscale y
set format y "10^{%T}"
set grid
# the key sits right of the plot, clear of the x label
set key outside right top vertical Left reverse spacing 1.2
cap = real(system(sprintf("sed -n 's/^# never reached counts as the last epoch \\([0-9]*\\).*/\\1/p' '%s'", data)))
set arrow 1 from graph 0, first cap to graph 1, first cap nohead dt 3 lw 1.5 lc rgb "gray40"
set yrange [*:*<2*cap]
set offsets graph 0.03, graph 0.03, 0, 0
array C[4] = ["#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"]
# one family: GD blue, curl red; several: one colour per family, GD solid and curl dashed
curlc(f) = (nfam == 1) ? "#d62728" : C[f + 1]
title_of(k) = system(sprintf("sed -n 's/^# index %d: //p' '%s'", k, data))
if (band eq "none") {
    plot for [f=0:nfam-1] data index 2*f using 1:2:3 with yerrorlines lw 2 pt 7 ps 0.9 lc rgb C[f + 1] title title_of(2*f), \
         for [f=0:nfam-1] data index 2*f+1 using 1:2:3 with yerrorlines lw 2 dt 2 pt 5 ps 0.9 lc rgb curlc(f) title title_of(2*f+1), \
         for [f=0:nfam*2-1] data index f using 1:($4 < $5 ? $2 : NaN) with points pt 8 ps 2.2 lw 1.5 lc rgb "black" title (f == 0 ? "some runs never reached it (mean counts them at the cap)" : ""), \
         NaN with lines dt 3 lw 1.5 lc rgb "gray40" title sprintf("epoch cap %d", cap)
} else {
    set style fill transparent solid 0.25 noborder
    plot for [f=0:nfam-1] band every ::2*f::2*f+1 using 1:3:4 with filledcurves lc rgb "gray50" title "gradient descent (mean {/Symbol \261} SE over the grid)", \
         for [f=0:nfam-1] band every ::2*f::2*f+1 using 1:2 with lines lw 2 lc rgb "gray30" notitle, \
         for [f=0:nfam-1] data index 2*f+1 using 1:2:3 with yerrorlines lw 2 pt 5 ps 0.9 lc rgb curlc(f) title title_of(2*f+1), \
         for [f=0:nfam-1] data index 2*f+1 using 1:($4 < $5 ? $2 : NaN) with points pt 8 ps 2.2 lw 1.5 lc rgb "black" title (f == 0 ? "some runs never reached it (mean counts them at the cap)" : ""), \
         NaN with lines dt 3 lw 1.5 lc rgb "gray40" title sprintf("epoch cap %d", cap)
}
