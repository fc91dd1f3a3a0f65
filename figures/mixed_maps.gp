# Heat maps over (alpha_h, alpha_r), hidden-layer and readout flips at once, side by side: each with its labelled colour
# bar, the random-matrix stability boundary alpha_r*(alpha_h) drawn over it (black line), and optionally the sampled
# matrices' 50% crossing (green circles). Every grid point is drawn as its own cell, centred on its (alpha_h, alpha_r).
# Regenerate with:  curldyn figure mixed_stability | mixed_error   (they call this script)
# Usage: gnuplot -e 'array TITLES[7] = [...]' -c figures/mixed_maps.gp PALETTE MAP BOUNDARY CROSSING [MAP BOUNDARY CROSSING] OUTPUT.png
#   PALETTE: diverging (blue > 0 > red, centred on 0: lambda_min) or sequential (log errors).
#   MAP: scan lines of alpha_h (one blank line between them), columns alpha_h alpha_r value...
#   BOUNDARY: alpha_h alpha_r of the theory curve. CROSSING: alpha_h alpha_r of the sampled 50% crossing, or "none".
#   TITLES (gnuplot takes at most 9 arguments after -c): the figure's title, then per panel the MAP column shown,
#   the panel title and the colour-bar label.
diverging = (ARG1 eq "diverging")
panels = (ARGC - 2) / 3
output = (panels == 1) ? ARG5 : ARG8
title = TITLES[1]
array MAP[2]
array BOUND[2]
array CROSS[2]
MAP[1] = ARG2
BOUND[1] = ARG3
CROSS[1] = ARG4
if (panels == 2) {
    MAP[2] = ARG5
    BOUND[2] = ARG6
    CROSS[2] = ARG7
}
array COL[2]
array PTITLE[2]
array CBLABEL[2]
do for [p=1:panels] {
    COL[p] = TITLES[3 * p - 1] + 0
    PTITLE[p] = TITLES[3 * p]
    CBLABEL[p] = TITLES[3 * p + 1]
}

set terminal pngcairo size (panels == 1 ? 820 : 760 * panels),600 enhanced font "Sans,11"
set output output
set multiplot layout 1,panels title title font ",13"
set tics out front
set xlabel "fraction of rule-flipped inputs {/Symbol a}_h (hidden-layer weights)"
set ylabel "fraction of rule-flipped hidden neurons {/Symbol a}_r (readout weights)"
set key top right box opaque samplen 2
set lmargin 10
set rmargin 14
do for [p=1:panels] {
    grid = MAP[p]
    # stats skips points outside the current ranges: take the colour range first, with every range free.
    set autoscale xy
    stats grid using (column(COL[p])) nooutput
    zmin = STATS_min
    zmax = STATS_max
    if (diverging) {
        # Centred on 0 (white: lambda_min = 0, the stability boundary), saturating beyond +-1 so that the values
        # near the boundary keep their colours (lambda_min runs from about +1.7 at the origin to -3).
        z = (abs(zmin) > abs(zmax)) ? abs(zmin) : abs(zmax)
        z = (z > 1) ? 1 : z
        set cbrange [-z : z]
        set palette defined (0 "#b2182b", 0.35 "#ef8a62", 0.5 "#f7f7f7", 0.65 "#67a9cf", 1 "#2166ac")
    } else {
        if (zmin < zmax) { set cbrange [zmin : zmax] } else { set cbrange [zmin - 1 : zmax + 1] }
        set palette rgbformulae 33,13,10
    }
    stats grid using 1:2 nooutput
    scans = STATS_blank + 1
    rows = STATS_records / scans
    dx = (scans > 1) ? (STATS_max_x - STATS_min_x) / (scans - 1) : 0.1
    dy = (rows > 1) ? (STATS_max_y - STATS_min_y) / (rows - 1) : 0.1
    set xrange [STATS_min_x - dx / 2 : STATS_max_x + dx / 2]
    set yrange [STATS_min_y - dy / 2 : STATS_max_y + dy / 2]
    set cblabel CBLABEL[p]
    set title PTITLE[p]
    if (CROSS[p] eq "none") {
        plot grid using 1:2:(column(COL[p])) with image notitle, \
             BOUND[p] using 1:2 with lines lw 3 lc rgb "black" title "theory boundary (free addition)"
    } else {
        plot grid using 1:2:(column(COL[p])) with image notitle, \
             BOUND[p] using 1:2 with lines lw 3 lc rgb "black" title "theory boundary (free addition)", \
             CROSS[p] using 1:2 with points pt 7 ps 1.1 lc rgb "#1a9850" title "sampled: half the draws unstable"
    }
}
unset multiplot
