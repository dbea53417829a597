//! Frame statistics on stderr, when asked for (see [`super::PERF_ENV`]).

/// Counts frames and their CPU time, and says when the first one came: for measuring start-up,
/// idle repaints and typing, not for everyday use.
pub struct Perf {
    launched: std::time::Instant,
    first_done: bool,
    window_start: std::time::Instant,
    frames: u32,
    cpu_max: f32,
    cpu_sum: f32,
}

impl Perf {
    pub fn new(launched: std::time::Instant) -> Perf {
        Perf {
            launched,
            first_done: false,
            window_start: std::time::Instant::now(),
            frames: 0,
            cpu_max: 0.0,
            cpu_sum: 0.0,
        }
    }

    /// `cpu` is eframe's CPU time of the previous frame, in seconds.
    pub(super) fn frame(&mut self, cpu: Option<f32>) {
        if !self.first_done {
            self.first_done = true;
            eprintln!(
                "perf: first frame {:.0} ms after launch",
                self.launched.elapsed().as_secs_f64() * 1000.0
            );
        }
        self.frames += 1;
        if let Some(c) = cpu {
            self.cpu_max = self.cpu_max.max(c);
            self.cpu_sum += c;
        }
        if self.window_start.elapsed().as_secs_f32() >= 1.0 {
            let mean = if self.frames > 0 {
                self.cpu_sum / self.frames as f32
            } else {
                0.0
            };
            eprintln!(
                "perf: t={:.1}s frames={} cpu_max_ms={:.2} cpu_mean_ms={:.2}",
                self.launched.elapsed().as_secs_f32(),
                self.frames,
                self.cpu_max * 1000.0,
                mean * 1000.0
            );
            self.window_start = std::time::Instant::now();
            (self.frames, self.cpu_max, self.cpu_sum) = (0, 0.0, 0.0);
        }
    }
}
