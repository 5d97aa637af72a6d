//! The JSON every server function takes and answers, read as text.
//!
//! The browser reads JSON from text everywhere else (the data a page was rendered with, the
//! run stream's events), and serde makes a copy of every type's reader for each input kind
//! it reads from: server_fn's own JSON codec reads bytes, which put a second copy of every
//! answer's reader (a run's whole view, its state, its events) in the wasm. This codec
//! writes the very same JSON and reads it from text, so one copy serves all.

use serde::de::DeserializeOwned;
use serde::Serialize;
use server_fn::codec::Post;
use server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};

/// JSON written as server_fn's own codec writes it, read from UTF-8 text.
pub struct JsonTextEncoding;

impl ContentType for JsonTextEncoding {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for JsonTextEncoding {
    const FORMAT_TYPE: Format = Format::Text;
}

impl<T: Serialize> Encodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn encode(output: &T) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(output).map(Bytes::from)
    }
}

impl<T: DeserializeOwned> Decodes<T> for JsonTextEncoding {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<T, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}

/// A server function's arguments and answer as JSON in a `POST` body: `input` and `output`
/// of every `#[server]`.
pub type JsonText = Post<JsonTextEncoding>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_it_writes_it_reads_and_bad_text_is_an_error() {
        let bytes = <JsonTextEncoding as Encodes<Vec<String>>>::encode(&vec!["é".into()]).unwrap();
        assert_eq!(&bytes[..], "[\"é\"]".as_bytes());
        let back: Vec<String> = JsonTextEncoding::decode(bytes).unwrap();
        assert_eq!(back, ["é"]);
        let broken = Bytes::from_static(b"[\"\xff\"]");
        assert!(<JsonTextEncoding as Decodes<Vec<String>>>::decode(broken).is_err());
    }
}
