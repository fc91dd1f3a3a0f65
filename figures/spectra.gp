# Fig. 7 of `curldyn figure fig7`: spectra of the stability matrix, (a) readout flips and (b) hidden flips: the
# limiting density (line), its band edges (dashed), atoms (arrows, mass in the label) and the normalised
# histogram of sampled eigenvalues. Each data file: index 0 density (x rho), 1 edges, 2 histogram, 3 atoms.
# Regenerate with:  curldyn figure fig7 [--scale full]   (it calls this script)
# Usage: gnuplot -c figures/spectra.gp A.dat "TITLE A" B.dat "TITLE B" OUTPUT.png
output = ARG5

set terminal pngcairo size 1500,600 enhanced font "Sans,11"
set output output
set multiplot layout 1,2 title "Fig. 7: eigenvalue density of the stability matrix, theory against sampled matrices"
set xlabel "eigenvalue"
set ylabel "density"
set grid
set key top right opaque box
set style fill transparent solid 0.45 noborder
do for [p=0:1] {
    datafile = p == 0 ? ARG1 : ARG3
    set title (p == 0 ? ARG2 : ARG4)
    # All stats come first: stats obeys the ranges set later.
    set autoscale y
    stats datafile index 0 using 2 nooutput
    top = STATS_max
    unset label
    unset arrow
    undefine STATS_*
    stats datafile index 3 using 1:2 nooutput
    natoms = exists("STATS_records") ? STATS_records : 0
    if (natoms > 0) {
        do for [k=0:natoms-1] {
            stats datafile index 3 every ::k::k using 1:2 nooutput
            set arrow from STATS_min_x, 0 to STATS_min_x, 1.25*top lw 3 lc rgb "#2a9d8f" front
            set label sprintf("atom: mass %.3f (off scale)", STATS_min_y) at STATS_min_x, 0.55*top offset 1, 0 tc rgb "#2a9d8f" front
        }
    }
    set yrange [0:1.3*top]
    plot datafile index 2 using 1:2 with boxes lc rgb "#7a9cc6" title "sampled eigenvalues", \
         datafile index 0 using 1:2 with lines lw 2 lc rgb "#b03030" title "limiting density", \
         datafile index 1 using 1:(0):(0):(1.3*top) with vectors nohead dt 2 lc rgb "black" title "edges", \
         1/0 with lines lw 3 lc rgb "#2a9d8f" title "atom"
}
unset multiplot
