//! Renderers: they format the report model (`crate::report`) and decide nothing. Text for
//! people, JSON and JSON Lines for machines; the CI formats and the HTML site of spec 40 come
//! here too.

pub mod html;
pub mod inspect;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod text;
