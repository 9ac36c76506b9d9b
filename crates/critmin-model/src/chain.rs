//! The vocabulary of the chain: stages, the forms material moves in, end-use
//! sectors and facility status. Each enum has one canonical snake_case
//! spelling, used in CSV, TOML and JSON alike.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Declares a closed vocabulary enum with its canonical names.
macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $text)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The canonical name, e.g. as written in a CSV file.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// Parses the canonical name (case-insensitive, `-` accepted for `_`).
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim().to_ascii_lowercase().replace('-', "_");
                match s.as_str() { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The accepted names, comma-separated, for error messages.
            pub fn expected() -> String {
                [$($text),+].join(", ")
            }

            /// Dense index in declaration order.
            pub fn index(self) -> usize {
                self as usize
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// A stage of the chain, from the ground to the product.
    Stage {
        /// Mines and concentrators (and cracking plants that turn their
        /// concentrate into mixed rare-earth compounds). Unit: t REO/yr of
        /// mixed concentrate.
        Mining = "mining",
        /// Solvent-extraction separation into individual oxides. Unit: t REO/yr
        /// of separated oxides.
        Separation = "separation",
        /// Reduction of oxides to metals and alloys. Unit: t/yr of RE metal.
        MetalAlloy = "metal_alloy",
        /// NdFeB magnet making. Unit: t/yr of magnet.
        Magnet = "magnet",
        /// Manufacturing that consumes oxides, metals and magnets (demand).
        EndUse = "end_use",
    }
}

impl Stage {
    /// The unit of a facility's capacity at this stage.
    pub fn capacity_unit(self) -> &'static str {
        match self {
            Stage::Mining | Stage::Separation => "t REO/yr",
            Stage::MetalAlloy => "t metal/yr",
            Stage::Magnet => "t magnet/yr",
            Stage::EndUse => "t/yr",
        }
    }

    /// Whether facilities may sit at this stage (`end_use` is demand only).
    pub fn has_facilities(self) -> bool {
        !matches!(self, Stage::EndUse)
    }

    /// The form a facility of this stage produces.
    pub fn output_form(self) -> Form {
        match self {
            Stage::Mining => Form::Concentrate,
            Stage::Separation => Form::Oxide,
            Stage::MetalAlloy => Form::Metal,
            Stage::Magnet => Form::Magnet,
            Stage::EndUse => Form::Product,
        }
    }
}

vocabulary! {
    /// The form rare earths move in between stages.
    Form {
        /// Mixed concentrate or mixed compound (t REO, with a composition).
        Concentrate = "concentrate",
        /// Separated oxide of one element (t REO).
        Oxide = "oxide",
        /// Metal or alloy of one element (t metal).
        Metal = "metal",
        /// Sintered or bonded NdFeB magnet (t magnet, with a grade).
        Magnet = "magnet",
        /// Other end products that contain rare earths.
        Product = "product",
    }
}

impl Form {
    /// The unit quantities of this form are measured in.
    pub fn unit(self) -> &'static str {
        match self {
            Form::Concentrate | Form::Oxide => "t REO",
            Form::Metal => "t metal",
            Form::Magnet => "t magnet",
            Form::Product => "t REO-eq",
        }
    }
}

vocabulary! {
    /// An end-use sector of demand.
    Sector {
        /// Electric-vehicle traction and industrial motors.
        EvMotors = "ev_motors",
        /// Wind-turbine generators.
        Wind = "wind",
        /// Defence systems.
        Defence = "defence",
        /// Consumer electronics.
        Electronics = "electronics",
        /// Automotive and fluid-cracking catalysts.
        Catalysts = "catalysts",
        /// Glass additives and polishing powders.
        GlassPolishing = "glass_polishing",
        /// Metallurgy and alloys (incl. battery alloys).
        Metallurgy = "metallurgy",
        /// Phosphors and lighting.
        Phosphors = "phosphors",
        /// Everything else (ceramics, medical, research …).
        Other = "other",
    }
}

vocabulary! {
    /// Where a facility is in its life.
    Status {
        /// Producing.
        Operating = "operating",
        /// Being built; produces from its start month.
        Construction = "construction",
        /// Announced or proposed; produces from its start month if built.
        Planned = "planned",
        /// Closed or on care and maintenance.
        Closed = "closed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.as_str()), Some(*s));
        }
        for s in Sector::ALL {
            assert_eq!(Sector::parse(s.as_str()), Some(*s));
        }
        assert_eq!(Stage::parse("Metal-Alloy"), Some(Stage::MetalAlloy));
        assert_eq!(Form::parse("ore"), None);
        assert!(Status::expected().contains("construction"));
    }
}
