//! One labelled value in the card's description list.

use yew::prelude::*;

/// Properties of [`Fact`].
#[derive(Properties, PartialEq)]
pub struct FactProps {
    /// Stable id: the value gets `data-testid={id}` and the label `id="{id}-label"`, so a value
    /// inside can point at its label with `aria-labelledby` when its role may be named (a `<dd>`
    /// itself may not).
    pub id: AttrValue,
    /// What the value is, shown to the reader.
    pub label: AttrValue,
    /// The value itself.
    pub children: Html,
}

/// A `<dt>`/`<dd>` pair: screen readers announce the term, then its value.
#[function_component(Fact)]
pub fn fact(props: &FactProps) -> Html {
    let label_id = format!("{}-label", props.id);
    html! {
        <div class="fact">
            <dt id={label_id}>{ props.label.clone() }</dt>
            <dd data-testid={props.id.clone()}>{ props.children.clone() }</dd>
        </div>
    }
}
