//! Reading Pi's JSON event stream (`pi --mode json`): what each line means for the run,
//! and how the agent's work ended.
//!
//! Pi exits 0 in JSON mode even when the model failed, so the verdict comes from the
//! stream: the last assistant message's `stopReason` (`stop`, `toolUse`, `error`,
//! `aborted`) and its `errorMessage`, plus whether `agent_end` arrived at all.

use serde_json::Value;

/// The longest excerpt of tool arguments, tool output or text carried in a run event.
pub const EXCERPT_CHARS: usize = 300;

/// Something in the stream worth telling the person watching the run.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    /// The session header: Pi's session id.
    Session {
        /// The id, as in the session file's name.
        id: String,
    },
    /// A turn (one model call and its tool calls) began; numbered from 1.
    TurnStarted(u32),
    /// Pi began running a tool.
    ToolStarted {
        /// `bash`, `edit`, `write`, `read`, …
        tool: String,
        /// Its arguments, as the model gave them.
        args: Value,
    },
    /// A tool finished.
    ToolEnded {
        /// The tool.
        tool: String,
        /// Whether Pi reported it as failed.
        is_error: bool,
        /// The start of its output.
        excerpt: String,
    },
    /// The model finished one message.
    AssistantEnded(AssistantMessage),
    /// Pi is retrying a failed model call.
    RetryStarted {
        /// Attempt number.
        attempt: u64,
        /// The error that caused it.
        error: String,
    },
    /// The agent loop ended.
    AgentEnded,
}

/// One finished assistant message, as `message_end` carries it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssistantMessage {
    /// The text blocks, joined.
    pub text: String,
    /// The names of the tools it called.
    pub tool_calls: Vec<String>,
    /// `stop`, `toolUse`, `length`, `error` or `aborted`.
    pub stop_reason: String,
    /// The provider's error, when `stop_reason` is `error`.
    pub error: Option<String>,
    /// The tokens this message took, as Pi reports them (`usage`).
    pub usage: Usage,
}

/// One model call's tokens (`usage {input, output, cacheRead, cacheWrite}`): what the
/// meter prices. Cached input is counted as input, at the input price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Input tokens, cached ones included.
    pub input: u64,
    /// Output tokens.
    pub output: u64,
}

impl Usage {
    fn of(usage: &Value) -> Usage {
        let n = |key: &str| usage[key].as_u64().unwrap_or(0);
        Usage {
            input: n("input") + n("cacheRead") + n("cacheWrite"),
            output: n("output"),
        }
    }
}

/// Everything the stream has said so far that decides the verdict.
#[derive(Debug, Clone, Default)]
pub struct StreamWatch {
    /// Turns begun.
    pub turns: u32,
    /// Tool calls begun.
    pub tool_calls: u32,
    /// Tool calls Pi reported as failed.
    pub tool_errors: u32,
    /// The last assistant message.
    pub last_assistant: Option<AssistantMessage>,
    /// The last assistant message that ended with text (Pi's answer).
    pub last_text: Option<String>,
    /// Whether `agent_end` arrived.
    pub agent_ended: bool,
    /// Pi's session id.
    pub session_id: Option<String>,
    /// Lines that were not JSON.
    pub unreadable_lines: u32,
}

impl StreamWatch {
    /// Takes in one line of the stream; returns what it means, if anything.
    pub fn observe(&mut self, line: &str) -> Option<Seen> {
        let line = line.trim();
        if line.is_empty() {
            return None;
        }
        let Ok(event) = serde_json::from_str::<Value>(line) else {
            self.unreadable_lines += 1;
            return None;
        };
        match event["type"].as_str()? {
            "session" => {
                let id = event["id"].as_str()?.to_owned();
                self.session_id = Some(id.clone());
                Some(Seen::Session { id })
            }
            "turn_start" => {
                self.turns += 1;
                Some(Seen::TurnStarted(self.turns))
            }
            "tool_execution_start" => {
                self.tool_calls += 1;
                Some(Seen::ToolStarted {
                    tool: text_of(&event["toolName"]),
                    args: event["args"].clone(),
                })
            }
            "tool_execution_end" => {
                let is_error = event["isError"].as_bool().unwrap_or(false);
                if is_error {
                    self.tool_errors += 1;
                }
                Some(Seen::ToolEnded {
                    tool: text_of(&event["toolName"]),
                    is_error,
                    excerpt: excerpt(&content_text(&event["result"]["content"])),
                })
            }
            "message_end" if event["message"]["role"] == "assistant" => {
                let message = assistant_message(&event["message"]);
                if message.stop_reason == "stop" && !message.text.is_empty() {
                    self.last_text = Some(message.text.clone());
                }
                self.last_assistant = Some(message.clone());
                Some(Seen::AssistantEnded(message))
            }
            "auto_retry_start" => Some(Seen::RetryStarted {
                attempt: event["attempt"].as_u64().unwrap_or(0),
                error: text_of(&event["errorMessage"]),
            }),
            "agent_end" => {
                self.agent_ended = true;
                Some(Seen::AgentEnded)
            }
            _ => None,
        }
    }

    /// How the agent's work ended, judged from the stream alone (the process ended on its
    /// own; kills are judged by the runner).
    pub fn verdict(&self) -> StreamVerdict {
        let Some(last) = &self.last_assistant else {
            return StreamVerdict::NoAnswer;
        };
        match last.stop_reason.as_str() {
            "error" => StreamVerdict::ModelError(
                last.error
                    .clone()
                    .unwrap_or_else(|| "the model call failed without a message".into()),
            ),
            "aborted" => StreamVerdict::Aborted,
            "stop" if self.agent_ended => StreamVerdict::Completed,
            "length" => StreamVerdict::ModelError("the answer hit the model's length limit".into()),
            _ if !self.agent_ended => StreamVerdict::Unfinished,
            other => StreamVerdict::ModelError(format!("the agent ended on stopReason `{other}`")),
        }
    }
}

/// The stream's own account of how the work ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StreamVerdict {
    /// The model gave its final answer (`stopReason: stop`) and the agent loop ended.
    Completed,
    /// The model call failed (`stopReason: error`), with the provider's message.
    ModelError(String),
    /// Pi aborted the work.
    Aborted,
    /// The stream stopped before the agent loop ended.
    Unfinished,
    /// No assistant message arrived at all.
    NoAnswer,
}

fn assistant_message(message: &Value) -> AssistantMessage {
    let blocks = message["content"].as_array().cloned().unwrap_or_default();
    let text = blocks
        .iter()
        .filter(|b| b["type"] == "text")
        .filter_map(|b| b["text"].as_str())
        .collect::<Vec<_>>()
        .join("");
    let tool_calls = blocks
        .iter()
        .filter(|b| b["type"] == "toolCall")
        .map(|b| text_of(&b["name"]))
        .collect();
    AssistantMessage {
        text,
        tool_calls,
        stop_reason: text_of(&message["stopReason"]),
        error: message["errorMessage"].as_str().map(str::to_owned),
        usage: Usage::of(&message["usage"]),
    }
}

fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(blocks) => blocks
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

fn text_of(value: &Value) -> String {
    value.as_str().unwrap_or_default().to_owned()
}

/// The first [`EXCERPT_CHARS`] characters of `text`, marked when cut.
pub fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(lines: &[Value]) -> StreamWatch {
        let mut w = StreamWatch::default();
        for line in lines {
            w.observe(&line.to_string());
        }
        w
    }

    fn assistant(stop: &str, content: Value, error: Option<&str>) -> Value {
        serde_json::json!({"type": "message_end", "message": {"role": "assistant",
            "content": content, "stopReason": stop, "errorMessage": error}})
    }

    #[test]
    fn a_final_text_answer_after_agent_end_is_completed() {
        let w = watch(&[
            serde_json::json!({"type": "session", "id": "s1"}),
            serde_json::json!({"type": "turn_start"}),
            assistant(
                "toolUse",
                serde_json::json!([{"type": "toolCall", "name": "bash"}]),
                None,
            ),
            serde_json::json!({"type": "tool_execution_start", "toolName": "bash", "args": {"command": "ls"}}),
            serde_json::json!({"type": "tool_execution_end", "toolName": "bash", "isError": true,
                "result": {"content": [{"type": "text", "text": "boom"}]}}),
            serde_json::json!({"type": "turn_start"}),
            assistant(
                "stop",
                serde_json::json!([{"type": "text", "text": "Done."}]),
                None,
            ),
            serde_json::json!({"type": "agent_end"}),
        ]);
        assert_eq!(w.verdict(), StreamVerdict::Completed);
        assert_eq!((w.turns, w.tool_calls, w.tool_errors), (2, 1, 1));
        assert_eq!(w.last_text.as_deref(), Some("Done."));
        assert_eq!(w.session_id.as_deref(), Some("s1"));
    }

    #[test]
    fn an_error_stop_reason_is_a_model_error_even_after_agent_end() {
        let w = watch(&[
            assistant(
                "stop",
                serde_json::json!([{"type": "text", "text": "partial"}]),
                None,
            ),
            assistant("error", serde_json::json!([]), Some("400 refused")),
            serde_json::json!({"type": "agent_end"}),
        ]);
        assert_eq!(w.verdict(), StreamVerdict::ModelError("400 refused".into()));
    }

    #[test]
    fn a_stream_cut_short_is_unfinished_and_an_empty_one_has_no_answer() {
        assert_eq!(watch(&[]).verdict(), StreamVerdict::NoAnswer);
        let w = watch(&[assistant("toolUse", serde_json::json!([]), None)]);
        assert_eq!(w.verdict(), StreamVerdict::Unfinished);
    }

    #[test]
    fn a_messages_usage_counts_cached_input_as_input() {
        let mut w = StreamWatch::default();
        let line = serde_json::json!({"type": "message_end", "message": {"role": "assistant",
            "content": [], "stopReason": "stop", "usage": {"input": 100, "output": 20,
            "cacheRead": 30, "cacheWrite": 5, "totalTokens": 155, "cost": {"total": 0.001}}}});
        let Some(Seen::AssistantEnded(message)) = w.observe(&line.to_string()) else {
            panic!("an assistant message");
        };
        assert_eq!(
            message.usage,
            Usage {
                input: 135,
                output: 20
            }
        );
        let bare = assistant("stop", serde_json::json!([]), None);
        let Some(Seen::AssistantEnded(message)) = w.observe(&bare.to_string()) else {
            panic!("an assistant message");
        };
        assert_eq!(message.usage, Usage::default());
    }

    #[test]
    fn garbage_lines_are_counted_not_fatal() {
        let mut w = StreamWatch::default();
        assert_eq!(w.observe("not json"), None);
        assert_eq!(w.observe(""), None);
        assert_eq!(w.unreadable_lines, 1);
    }

    #[test]
    fn excerpts_cut_on_character_boundaries() {
        let long = "é".repeat(EXCERPT_CHARS + 5);
        let cut = excerpt(&long);
        assert_eq!(cut.chars().count(), EXCERPT_CHARS + 1);
        assert!(cut.ends_with('…'));
        assert_eq!(excerpt(" short "), "short");
    }
}
