//! Closed lists of choices (a therapy modality, a risk level, a pathway):
//! one macro so every such list has the same stable ids, labels and parsing.

/// A closed list of choices: each value has a stable id (stored, and used in
/// forms) and a label people read.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $id:literal, $label:literal;)+ }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, ::serde::Serialize, ::serde::Deserialize)]
        pub enum $name {
            $($(#[$vdoc])* #[serde(rename = $id)] $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stable id.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $id,)+ }
            }

            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label,)+ }
            }

            pub fn parse(id: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == id)
            }
        }
    };
}
pub(crate) use choice;
