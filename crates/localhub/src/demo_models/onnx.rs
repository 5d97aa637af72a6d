//! Demo text classifiers exported as ONNX (`onnx/model.onnx`), the format ONNX Runtime
//! runs without PyTorch, as many Hub repos ship it beside or instead of PyTorch weights.
//!
//! The network is a bag of embeddings: `input_ids` → `Gather` (the embedding rows) →
//! `ReduceMean` over the tokens → `MatMul` by the head → `Add` its bias → `logits`
//! `[batch, labels]`, the output name and shape of an exported sequence classifier. With a
//! random head the scores depend on the text; with a zero head ([`Head::Zero`]) every text
//! gets the same scores (its bias): a model whose output is constant.
//!
//! The file is written here, protobuf field by field (ONNX's `onnx.proto`, IR version 8,
//! opset 13), so the hub needs no ONNX tooling.

use super::weights::{SplitMix64, Tensor};

/// The classifier head's weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Head {
    /// Random: the scores depend on the text.
    Random,
    /// Zero: the scores are the bias alone, the same for every text.
    Zero,
}

/// A bag-of-embeddings classifier's sizes.
#[derive(Debug, Clone, Copy)]
pub struct BagClassifier {
    /// Token ids.
    pub vocab: usize,
    /// Embedding width.
    pub hidden: usize,
    /// How many labels.
    pub labels: usize,
    /// The head's weights.
    pub head: Head,
}

/// The spread of the random values: wide enough that different texts get visibly
/// different scores (Transformers' 0.02 would make them differ in the fifth decimal).
const STD: f32 = 1.0;

impl BagClassifier {
    /// The tensors, as the card counts them: embeddings `[vocab, hidden]`, head
    /// `[hidden, labels]`, bias `[labels]`.
    pub fn tensors(&self) -> Vec<Tensor> {
        let head = match self.head {
            Head::Random => {
                Tensor::new_random("classifier.weight", &[self.hidden, self.labels], STD)
            }
            Head::Zero => Tensor::zeros("classifier.weight", &[self.hidden, self.labels]),
        };
        vec![
            Tensor::new_random("embeddings.weight", &[self.vocab, self.hidden], STD),
            head,
            Tensor::new_random("classifier.bias", &[self.labels], STD),
        ]
    }

    /// The `model.onnx` bytes, its values drawn from `seed`.
    pub fn onnx(&self, seed: u64) -> Vec<u8> {
        let mut rng = SplitMix64::new(seed);
        let initializers: Vec<Vec<u8>> = self
            .tensors()
            .iter()
            .map(|t| tensor_proto(&t.name, &t.shape, &super::weights::values(t, &mut rng)))
            .collect();
        let nodes = [
            node(
                "Gather",
                &["embeddings.weight", "input_ids"],
                "embedded",
                &[attr_int("axis", 0)],
            ),
            node(
                "ReduceMean",
                &["embedded"],
                "pooled",
                &[attr_ints("axes", &[1]), attr_int("keepdims", 0)],
            ),
            node("MatMul", &["pooled", "classifier.weight"], "scores", &[]),
            node("Add", &["scores", "classifier.bias"], "logits", &[]),
        ];
        let mut graph = Vec::new();
        for n in &nodes {
            bytes(&mut graph, 1, n);
        }
        bytes(&mut graph, 2, b"bag-of-embeddings-classifier");
        for i in &initializers {
            bytes(&mut graph, 5, i);
        }
        bytes(
            &mut graph,
            11,
            &value_info(
                "input_ids",
                INT64,
                &[Dim::Param("batch"), Dim::Param("sequence")],
            ),
        );
        bytes(
            &mut graph,
            12,
            &value_info(
                "logits",
                FLOAT,
                &[Dim::Param("batch"), Dim::Value(self.labels as i64)],
            ),
        );
        let mut opset = Vec::new();
        bytes(&mut opset, 1, b"");
        varint_field(&mut opset, 2, OPSET);
        let mut model = Vec::new();
        varint_field(&mut model, 1, IR_VERSION);
        bytes(&mut model, 2, b"space-factory localhub");
        bytes(&mut model, 7, &graph);
        bytes(&mut model, 8, &opset);
        model
    }
}

/// The IR version written (ONNX 1.10 and later read it).
const IR_VERSION: u64 = 8;
/// The default domain's operator set: `ReduceMean` still takes `axes` as an attribute.
const OPSET: u64 = 13;
/// `TensorProto.DataType.FLOAT`.
const FLOAT: u64 = 1;
/// `TensorProto.DataType.INT64`.
const INT64: u64 = 7;

/// A dimension of a declared shape.
enum Dim {
    /// Named, any size.
    Param(&'static str),
    /// Fixed.
    Value(i64),
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varint_field(out: &mut Vec<u8>, field: u32, v: u64) {
    varint(out, u64::from(field) << 3);
    varint(out, v);
}

fn bytes(out: &mut Vec<u8>, field: u32, b: &[u8]) {
    varint(out, (u64::from(field) << 3) | 2);
    varint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// A `TensorProto` of float32 `values` (raw little-endian data).
fn tensor_proto(name: &str, shape: &[usize], values: &[f32]) -> Vec<u8> {
    let mut t = Vec::new();
    for d in shape {
        varint_field(&mut t, 1, *d as u64);
    }
    varint_field(&mut t, 2, FLOAT);
    bytes(&mut t, 8, name.as_bytes());
    let raw: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    bytes(&mut t, 9, &raw);
    t
}

/// A `NodeProto` with one output.
fn node(op: &str, inputs: &[&str], output: &str, attributes: &[Vec<u8>]) -> Vec<u8> {
    let mut n = Vec::new();
    for i in inputs {
        bytes(&mut n, 1, i.as_bytes());
    }
    bytes(&mut n, 2, output.as_bytes());
    bytes(&mut n, 3, output.as_bytes());
    bytes(&mut n, 4, op.as_bytes());
    for a in attributes {
        bytes(&mut n, 5, a);
    }
    n
}

/// An `AttributeProto` of type INT.
fn attr_int(name: &str, v: i64) -> Vec<u8> {
    let mut a = Vec::new();
    bytes(&mut a, 1, name.as_bytes());
    varint_field(&mut a, 3, v as u64);
    varint_field(&mut a, 20, 2);
    a
}

/// An `AttributeProto` of type INTS.
fn attr_ints(name: &str, vs: &[i64]) -> Vec<u8> {
    let mut a = Vec::new();
    bytes(&mut a, 1, name.as_bytes());
    for v in vs {
        varint_field(&mut a, 8, *v as u64);
    }
    varint_field(&mut a, 20, 7);
    a
}

/// A `ValueInfoProto`: a graph input or output with its element type and shape.
fn value_info(name: &str, elem_type: u64, dims: &[Dim]) -> Vec<u8> {
    let mut shape = Vec::new();
    for d in dims {
        let mut dim = Vec::new();
        match d {
            Dim::Value(v) => varint_field(&mut dim, 1, *v as u64),
            Dim::Param(p) => bytes(&mut dim, 2, p.as_bytes()),
        }
        bytes(&mut shape, 1, &dim);
    }
    let mut tensor = Vec::new();
    varint_field(&mut tensor, 1, elem_type);
    bytes(&mut tensor, 2, &shape);
    let mut ty = Vec::new();
    bytes(&mut ty, 1, &tensor);
    let mut v = Vec::new();
    bytes(&mut v, 1, name.as_bytes());
    bytes(&mut v, 2, &ty);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// The fields of one protobuf message: field number → its values (varints as numbers,
    /// length-delimited ones as bytes).
    fn fields(mut b: &[u8]) -> Vec<(u32, Result<u64, Vec<u8>>)> {
        fn read_varint(b: &mut &[u8]) -> u64 {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let byte = b[0];
                *b = &b[1..];
                v |= u64::from(byte & 0x7f) << shift;
                if byte < 0x80 {
                    return v;
                }
                shift += 7;
            }
        }
        let mut out = Vec::new();
        while !b.is_empty() {
            let key = read_varint(&mut b);
            let field = (key >> 3) as u32;
            match key & 7 {
                0 => out.push((field, Ok(read_varint(&mut b)))),
                2 => {
                    let len = read_varint(&mut b) as usize;
                    out.push((field, Err(b[..len].to_vec())));
                    b = &b[len..];
                }
                other => panic!("wire type {other}"),
            }
        }
        out
    }

    fn get(msg: &[(u32, Result<u64, Vec<u8>>)], field: u32) -> Vec<Result<u64, Vec<u8>>> {
        msg.iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, v)| v.clone())
            .collect()
    }

    fn text(v: &Result<u64, Vec<u8>>) -> String {
        String::from_utf8(v.clone().unwrap_err()).unwrap()
    }

    /// Reads the file back and runs its graph by hand on `ids`: the logits.
    fn run(file: &[u8], ids: &[usize]) -> Vec<f32> {
        let model = fields(file);
        assert_eq!(get(&model, 1), [Ok(IR_VERSION)]);
        let opset = fields(&get(&model, 8)[0].clone().unwrap_err());
        assert_eq!(get(&opset, 2), [Ok(OPSET)]);
        let graph = fields(&get(&model, 7)[0].clone().unwrap_err());
        let ops: Vec<String> = get(&graph, 1)
            .iter()
            .map(|n| text(&get(&fields(&n.clone().unwrap_err()), 4)[0]))
            .collect();
        assert_eq!(ops, ["Gather", "ReduceMean", "MatMul", "Add"]);
        let inputs: Vec<String> = get(&graph, 11)
            .iter()
            .map(|v| text(&get(&fields(&v.clone().unwrap_err()), 1)[0]))
            .collect();
        assert_eq!(inputs, ["input_ids"]);
        let output = fields(&get(&graph, 12)[0].clone().unwrap_err());
        assert_eq!(text(&get(&output, 1)[0]), "logits");
        let mut tensors: HashMap<String, (Vec<usize>, Vec<f32>)> = HashMap::new();
        for t in get(&graph, 5) {
            let t = fields(&t.unwrap_err());
            let dims = get(&t, 1)
                .iter()
                .map(|d| *d.as_ref().unwrap() as usize)
                .collect();
            assert_eq!(get(&t, 2), [Ok(FLOAT)]);
            let raw = get(&t, 9)[0].clone().unwrap_err();
            let values = raw
                .chunks(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect();
            tensors.insert(text(&get(&t, 8)[0]), (dims, values));
        }
        let (e_shape, e) = &tensors["embeddings.weight"];
        let (w_shape, w) = &tensors["classifier.weight"];
        let (_, bias) = &tensors["classifier.bias"];
        let hidden = e_shape[1];
        let labels = w_shape[1];
        let pooled: Vec<f32> = (0..hidden)
            .map(|j| ids.iter().map(|i| e[i * hidden + j]).sum::<f32>() / ids.len() as f32)
            .collect();
        (0..labels)
            .map(|l| {
                bias[l]
                    + (0..hidden)
                        .map(|j| pooled[j] * w[j * labels + l])
                        .sum::<f32>()
            })
            .collect()
    }

    fn classifier(head: Head) -> BagClassifier {
        BagClassifier {
            vocab: 50,
            hidden: 8,
            labels: 2,
            head,
        }
    }

    #[test]
    fn a_random_head_scores_different_texts_differently() {
        let file = classifier(Head::Random).onnx(7);
        let (a, b) = (run(&file, &[2, 10, 11, 3]), run(&file, &[2, 30, 31, 32, 3]));
        assert_eq!(a.len(), 2);
        assert!(
            a.iter().zip(&b).any(|(x, y)| (x - y).abs() > 0.05),
            "{a:?} {b:?}"
        );
        assert_eq!(
            file,
            classifier(Head::Random).onnx(7),
            "the same bytes each time"
        );
    }

    #[test]
    fn a_zero_head_gives_every_text_its_bias() {
        let file = classifier(Head::Zero).onnx(7);
        let a = run(&file, &[2, 10, 11, 3]);
        assert_eq!(a, run(&file, &[2, 30, 31, 32, 3]));
        assert_eq!(a, run(&file, &[5]));
        assert!(a.iter().any(|x| *x != 0.0), "a bias, not zeros: {a:?}");
    }
}
