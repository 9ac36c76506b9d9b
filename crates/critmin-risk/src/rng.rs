//! Random numbers: a counter-based seed per future (SplitMix64 of the run
//! seed and the future's index) driving xoshiro256**, so that future `i`
//! draws the same numbers whichever thread runs it and in whatever order.
//! Small and dependency-free on purpose: the stream must never change with
//! a library upgrade, or yesterday's results could not be reproduced.

/// SplitMix64 step (Steele, Lea & Flood 2014), used to seed.
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman & Vigna 2018).
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// The generator of future `run` under `seed`.
    pub fn for_run(seed: u64, run: u64) -> Rng {
        let mut x = seed ^ run.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for v in &mut s {
            *v = splitmix64(&mut x);
        }
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `[0, 1)` with 53 bits.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `(0, 1)`, never 0 (for logarithms).
    pub fn open_unit(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal draw (Box–Muller, one of the pair).
    pub fn normal(&mut self) -> f64 {
        let u1 = self.open_unit();
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..5).map(|_| Rng::for_run(42, 7).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let mut r1 = Rng::for_run(42, 7);
        let mut r2 = Rng::for_run(42, 8);
        assert_ne!(r1.next_u64(), r2.next_u64());
    }

    #[test]
    fn uniform_and_normal_moments() {
        let mut r = Rng::for_run(1, 0);
        let n = 200_000;
        let (mut s, mut s2, mut z, mut z2) = (0.0, 0.0, 0.0, 0.0);
        for _ in 0..n {
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
            s += u;
            s2 += u * u;
            let x = r.normal();
            z += x;
            z2 += x * x;
        }
        let n = n as f64;
        assert!((s / n - 0.5).abs() < 0.005);
        assert!((s2 / n - 1.0 / 3.0).abs() < 0.005);
        assert!((z / n).abs() < 0.01);
        assert!((z2 / n - 1.0).abs() < 0.01);
    }
}
