#pragma once
// PNG plots of a run (run_dir/plots/*.png) drawn by scripts/plot_metrics.py with the system matplotlib.
#include <string>

namespace zerorl {

// Runs `/usr/bin/python3 scripts/plot_metrics.py RUN_DIR` (ZERORL_PYTHON and ZERORL_PLOT_SCRIPT override
// the two paths) without a shell, its output sent to stderr. Without `wait` it draws in the background
// while training goes on (a refresh asked for while the previous one still draws is skipped). Returns
// false, with a warning, when the plots could not be drawn: plotting never stops a run.
bool write_plots(const std::string& run_dir, bool wait);

// Waits for a background refresh (end of a run).
void wait_for_plots();

}  // namespace zerorl
