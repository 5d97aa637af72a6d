//! Keeps a live panel (events, Job logs) scrolled to its newest line while the reader is at
//! its end, and leaves their place alone once they scroll up to read.

use leptos::html::ElementType;
use leptos::prelude::*;
use leptos::wasm_bindgen::JsCast;
use leptos::web_sys::Element;

/// How near the end (in CSS pixels) still counts as reading the newest lines.
const NEAR_END_PX: i32 = 32;

/// Follows the end of one scrolling panel. Attach [`TailFollower::node`] as the panel's
/// `node_ref` and [`TailFollower::on_scroll`] as its `on:scroll`.
pub struct TailFollower<E: ElementType> {
    node: NodeRef<E>,
    following: StoredValue<bool>,
}

impl<E: ElementType> Clone for TailFollower<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E: ElementType> Copy for TailFollower<E> {}

impl<E> TailFollower<E>
where
    E: ElementType,
    E::Output: JsCast + Clone + 'static,
{
    /// Scrolls the panel to its end each time `content` (a reactive read of what the panel
    /// shows) changes, while the reader is following.
    pub fn new(content: impl Fn() + 'static) -> Self {
        let this = TailFollower {
            node: NodeRef::new(),
            following: StoredValue::new(true),
        };
        Effect::new(move || {
            content();
            if this.following.get_value() {
                request_animation_frame(move || this.jump_to_end());
            }
        });
        this
    }

    /// The panel's node reference.
    pub fn node(self) -> NodeRef<E> {
        self.node
    }

    /// Notes whether the reader is at the end (following) or has scrolled up.
    pub fn on_scroll(self) {
        if let Some(panel) = self.panel() {
            let below = panel.scroll_height() - panel.scroll_top() - panel.client_height();
            self.following.set_value(below <= NEAR_END_PX);
        }
    }

    /// Shows the newest line and follows from there (e.g. when a folded panel opens).
    pub fn jump_to_end(self) {
        if let Some(panel) = self.panel() {
            panel.set_scroll_top(panel.scroll_height());
            self.following.set_value(true);
        }
    }

    fn panel(self) -> Option<Element> {
        self.node
            .get_untracked()
            .map(|panel| panel.unchecked_into::<Element>())
    }
}
