//! Randomly initialised weights as a `.safetensors` file: a seeded PRNG (so the same model
//! is the same file on every machine and every start) and the initialisation Transformers
//! itself uses for each kind of tensor (small random matrices, LayerNorm scales of one,
//! biases of zero).

use std::collections::HashMap;

use safetensors::tensor::TensorView;
use safetensors::Dtype;

/// How a tensor's values are chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Init {
    /// Uniform noise with this standard deviation (Transformers draws N(0, 0.02)).
    Random(f32),
    /// An embedding matrix: random rows, except the padding token's row, which is zero
    /// (as `nn.Embedding(padding_idx=…)` starts).
    Embedding {
        /// The random rows' standard deviation.
        std: f32,
        /// The padding token's id.
        padding: usize,
    },
    /// All ones (LayerNorm and RMSNorm scales).
    Ones,
    /// All zeros (biases).
    Zeros,
}

/// One F32 tensor of a checkpoint: its name, shape and initialisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Tensor {
    /// The state-dict name, e.g. `wte.weight`.
    pub name: String,
    /// The shape, outermost dimension first.
    pub shape: Vec<usize>,
    /// How it is filled.
    pub init: Init,
}

impl Tensor {
    /// A matrix (or any tensor) of random values with Transformers' usual spread.
    pub fn random(name: impl Into<String>, shape: &[usize]) -> Tensor {
        Tensor::new_random(name, shape, 0.02)
    }
    /// A `[vocab, width]` embedding matrix whose row `padding` is zero.
    pub fn embedding(name: impl Into<String>, shape: &[usize], padding: usize) -> Tensor {
        Tensor::new(name, shape, Init::Embedding { std: 0.02, padding })
    }
    /// A matrix (or any tensor) of random values with standard deviation `std`.
    pub fn new_random(name: impl Into<String>, shape: &[usize], std: f32) -> Tensor {
        Tensor::new(name, shape, Init::Random(std))
    }
    /// A tensor of ones.
    pub fn ones(name: impl Into<String>, shape: &[usize]) -> Tensor {
        Tensor::new(name, shape, Init::Ones)
    }
    /// A tensor of zeros.
    pub fn zeros(name: impl Into<String>, shape: &[usize]) -> Tensor {
        Tensor::new(name, shape, Init::Zeros)
    }
    fn new(name: impl Into<String>, shape: &[usize], init: Init) -> Tensor {
        Tensor {
            name: name.into(),
            shape: shape.to_vec(),
            init,
        }
    }
    /// How many values it holds.
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }
    /// Whether it holds no value (a zero dimension).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// SplitMix64: a tiny PRNG whose output is fixed by its seed alone, on every platform and
/// in every version of this crate (unlike `rand`'s `StdRng`, which may change).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// A uniform value in [-1, 1).
    pub fn next_signed_unit(&mut self) -> f32 {
        // The top 24 bits: exactly representable in an f32.
        let bits = (self.next_u64() >> 40) as f32;
        bits / (1u32 << 23) as f32 - 1.0
    }
}

/// A seed from a text (the model id), so each model has weights of its own.
pub fn seed_of(text: &str) -> u64 {
    // FNV-1a: stable, and enough to tell ids apart.
    text.bytes().fold(0xCBF2_9CE4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3)
    })
}

/// The values of `tensor`, drawn from `rng` when random.
pub(super) fn values(tensor: &Tensor, rng: &mut SplitMix64) -> Vec<f32> {
    match tensor.init {
        Init::Ones => vec![1.0; tensor.len()],
        Init::Zeros => vec![0.0; tensor.len()],
        Init::Random(std) => uniform(tensor.len(), std, rng),
        Init::Embedding { std, padding } => {
            let mut v = uniform(tensor.len(), std, rng);
            let width = tensor.shape.get(1).copied().unwrap_or(1);
            let row = padding * width..(padding + 1) * width;
            v[row].fill(0.0);
            v
        }
    }
}

/// `n` values uniform on [-a, a), which has standard deviation a/√3 = `std`.
fn uniform(n: usize, std: f32, rng: &mut SplitMix64) -> Vec<f32> {
    let a = std * 3f32.sqrt();
    (0..n).map(|_| rng.next_signed_unit() * a).collect()
}

/// The `.safetensors` bytes of these F32 tensors, with the `{"format": "pt"}` metadata
/// Transformers expects of a PyTorch checkpoint. Tensors are drawn in the order given.
pub fn safetensors(tensors: &[Tensor], seed: u64) -> Vec<u8> {
    let mut rng = SplitMix64::new(seed);
    let data: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| {
            let mut bytes = Vec::with_capacity(t.len() * 4);
            for v in values(t, &mut rng) {
                bytes.extend_from_slice(&v.to_le_bytes());
            }
            bytes
        })
        .collect();
    let views = tensors.iter().zip(&data).map(|(t, bytes)| {
        let view =
            TensorView::new(Dtype::F32, t.shape.clone(), bytes).expect("shape matches its data");
        (t.name.clone(), view)
    });
    let metadata = HashMap::from([("format".to_owned(), "pt".to_owned())]);
    safetensors::serialize(views, Some(metadata)).expect("F32 tensors serialize")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_file_and_another_seed_another() {
        let tensors = [Tensor::random("w", &[4, 3]), Tensor::ones("ln", &[3])];
        assert_eq!(safetensors(&tensors, 7), safetensors(&tensors, 7));
        assert_ne!(safetensors(&tensors, 7), safetensors(&tensors, 8));
    }

    #[test]
    fn a_file_holds_each_tensor_with_its_shape_and_values() {
        let tensors = [
            Tensor::random("w", &[4, 3]),
            Tensor::ones("ln.weight", &[3]),
            Tensor::zeros("ln.bias", &[3]),
        ];
        let bytes = safetensors(&tensors, seed_of("space-factory-demo/x"));
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let w = st.tensor("w").unwrap();
        assert_eq!((w.dtype(), w.shape()), (Dtype::F32, &[4, 3][..]));
        let floats: Vec<f32> = w
            .data()
            .chunks(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let limit = 0.02 * 3f32.sqrt();
        assert!(floats.iter().all(|v| v.abs() <= limit), "{floats:?}");
        assert!(floats.iter().any(|v| *v != 0.0));
        assert!(st.tensor("ln.weight").unwrap().data() == 1f32.to_le_bytes().repeat(3));
        assert!(st.tensor("ln.bias").unwrap().data().iter().all(|b| *b == 0));
        let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        assert_eq!(
            meta.metadata().as_ref().and_then(|m| m.get("format")),
            Some(&"pt".to_owned())
        );
    }

    #[test]
    fn an_embedding_starts_its_padding_row_at_zero() {
        let e = Tensor::embedding("e", &[3, 4], 1);
        let v = values(&e, &mut SplitMix64::new(3));
        assert!(v[4..8].iter().all(|x| *x == 0.0), "{v:?}");
        assert!(v[..4].iter().chain(&v[8..]).all(|x| *x != 0.0), "{v:?}");
    }

    #[test]
    fn random_values_spread_around_zero() {
        let mut rng = SplitMix64::new(1);
        let xs: Vec<f32> = (0..10_000).map(|_| rng.next_signed_unit()).collect();
        let mean = xs.iter().sum::<f32>() / xs.len() as f32;
        assert!(mean.abs() < 0.05, "{mean}");
        assert!(xs.iter().all(|x| (-1.0..1.0).contains(x)));
        assert!(xs.iter().any(|x| *x < -0.9) && xs.iter().any(|x| *x > 0.9));
    }
}
