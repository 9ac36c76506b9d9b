//! The historical dataset `data/history-2010/` (the chain in 2009–2010, for
//! the 2010–2013 backtest) is valid, has its stated base year, and gives
//! China the share of 2010 mining its README states (about 94 % of the
//! capacity in use; USGS: 97 % of a smaller world total).

use critmin_model::Stage;

#[test]
fn the_2010_dataset_loads_with_its_base_year_and_china_shares() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/history-2010");
    let m = critmin_data::load_dir(&dir).unwrap_or_else(|e| panic!("{e}: {:#?}", e.diagnostics()));
    assert_eq!(m.base_year, 2010);
    let share = |stage: Stage| {
        let (mut cn, mut all) = (0.0, 0.0);
        for f in m.facilities.iter().filter(|f| f.stage == stage) {
            let active = f.start.is_none_or(|s| s.year() <= 2010)
                && f.end.is_none_or(|e| e.year() >= 2010)
                && matches!(f.status, critmin_model::Status::Operating);
            if active {
                let out = f.capacity_t_per_yr * f.utilisation;
                all += out;
                if f.country.as_str() == "CN" {
                    cn += out;
                }
            }
        }
        cn / all
    };
    let mining = share(Stage::Mining);
    assert!(
        (0.90..=0.98).contains(&mining),
        "China's 2010 mining share {mining}"
    );
}
