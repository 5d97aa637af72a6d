//! `worker`: the program a Hugging Face Job runs to execute one factory run.

fn main() {
    println!("worker {}", env!("CARGO_PKG_VERSION"));
}
