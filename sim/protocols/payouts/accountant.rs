//! Invoices and the accountant (spec `payouts.md` §2–3): one period's obligations become one
//! invoice row per (payee, source); the accountant assigns each row a method, holds denied
//! wallets' rows for the next period, and aggregates only within a method.
//!
//! Everything here is a pure function of its inputs, shared by the payer during the run and by
//! the derivation of the CSV files from a trace.

use super::config::Payee;
use super::features::Features;
use super::obligations::Obligation;
use alloy_primitives::{Address, U256};
use std::collections::BTreeMap;

/// The method every row falls back to.
pub const L1: &str = "l1";

/// One invoice row: what one payee is owed by one source in one period.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InvoiceRow {
    pub period: u32,
    pub payee: String,
    pub role: String,
    pub wallet: Address,
    pub features: Features,
    pub source: String,
    pub owed: U256,
}

/// Sums one period's obligations into invoice rows, one per (payee, source), sorted by payee
/// name then source. Obligations of unknown addresses are invoiced under the address itself.
pub fn invoice(
    period: u32,
    obligations: &[Obligation],
    payees: &BTreeMap<Address, Payee>,
) -> Vec<InvoiceRow> {
    let mut sums: BTreeMap<(String, &'static str), (Address, &'static str, U256)> = BTreeMap::new();
    let mut info: BTreeMap<String, (Address, Features)> = BTreeMap::new();
    for o in obligations {
        let (name, wallet, features) = match payees.get(&o.payee) {
            Some(p) => (p.name.clone(), p.wallet, p.features.clone()),
            None => (format!("{:#x}", o.payee), o.payee, Features::default()),
        };
        info.insert(name.clone(), (wallet, features));
        let slot = sums
            .entry((name, o.source))
            .or_insert((wallet, o.role, U256::ZERO));
        slot.2 += o.owed;
    }
    sums.into_iter()
        .map(|((payee, source), (_, role, owed))| {
            let (wallet, features) = info[&payee].clone();
            InvoiceRow {
                period,
                payee,
                role: role.to_string(),
                wallet,
                features,
                source: source.to_string(),
                owed,
            }
        })
        .collect()
}

/// The method of a row: the first preferred method its wallet features contain, else `l1`.
pub fn choose_method<'a>(features: &Features, prefer: &'a [String]) -> &'a str {
    prefer
        .iter()
        .find(|m| features.contains(m))
        .map(|m| m.as_str())
        .unwrap_or(L1)
}

/// The accountant's decision for one period.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    pub period: u32,
    /// Rows paid this period with their method (carried rows included).
    pub assigned: Vec<(InvoiceRow, String)>,
    /// Payouts per method: wallet → amount, sorted by wallet.
    pub payouts: BTreeMap<String, BTreeMap<Address, U256>>,
    /// Rows held (denied wallets), carried to the next period.
    pub held: Vec<InvoiceRow>,
}

/// Runs the accountant over `rows` (rows carried from earlier periods first, then this period's
/// invoices): a row of a denied wallet is held; any other gets a method, and rows with the same
/// wallet and method are summed.
pub fn account(period: u32, rows: Vec<InvoiceRow>, prefer: &[String], denied: &[Address]) -> Plan {
    let mut plan = Plan {
        period,
        ..Plan::default()
    };
    for row in rows {
        if denied.contains(&row.wallet) {
            plan.held.push(row);
            continue;
        }
        let method = choose_method(&row.features, prefer).to_string();
        *plan
            .payouts
            .entry(method.clone())
            .or_default()
            .entry(row.wallet)
            .or_insert(U256::ZERO) += row.owed;
        plan.assigned.push((row, method));
    }
    plan
}

/// Quotes a CSV field when it holds a comma or a quote.
fn field(s: &str) -> String {
    if s.contains(',') || s.contains('"') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `invoices.csv`: header and rows in the given order.
pub fn invoices_csv(rows: &[InvoiceRow]) -> String {
    let mut out = String::from("period,payee,role,wallet,wallet-features,source,owed\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{:#x},{},{},{}\n",
            r.period,
            field(&r.payee),
            field(&r.role),
            r.wallet,
            field(&r.features.to_string()),
            field(&r.source),
            r.owed
        ));
    }
    out
}

/// `payouts-<method>.csv`: `addr,amnt`, rows sorted by address.
pub fn payouts_csv(rows: &BTreeMap<Address, U256>) -> String {
    let mut out = String::from("addr,amnt\n");
    for (a, v) in rows {
        out.push_str(&format!("{a:#x},{v}\n"));
    }
    out
}

/// `held.csv` of a period: the rows held, with the period they were invoiced in.
pub fn held_csv(period: u32, rows: &[InvoiceRow]) -> String {
    let mut out = String::from("period,invoiced,payee,wallet,source,owed\n");
    for r in rows {
        out.push_str(&format!(
            "{period},{},{},{:#x},{},{}\n",
            r.period,
            field(&r.payee),
            r.wallet,
            field(&r.source),
            r.owed
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(payee: &str, wallet: u8, features: &str, owed: u64) -> InvoiceRow {
        InvoiceRow {
            period: 1,
            payee: payee.into(),
            role: "operator".into(),
            wallet: Address::repeat_byte(wallet),
            features: Features::parse(features).unwrap(),
            source: "avs.rewards".into(),
            owed: U256::from(owed),
        }
    }

    fn three_nodes() -> Vec<InvoiceRow> {
        vec![
            row("node-a", 7, "", 10),
            row("node-b", 7, "zksync", 20),
            row("node-c", 7, "zksync,raiden", 30),
        ]
    }

    #[test]
    fn three_nodes_preferring_zksync_get_two_payouts() {
        let prefer = vec!["zksync".to_string(), "raiden".to_string()];
        let plan = account(1, three_nodes(), &prefer, &[]);
        let w = Address::repeat_byte(7);
        assert_eq!(plan.payouts.len(), 2);
        assert_eq!(plan.payouts["l1"][&w], U256::from(10));
        assert_eq!(plan.payouts["zksync"][&w], U256::from(50));
    }

    #[test]
    fn three_nodes_preferring_raiden_get_three_payouts() {
        let prefer = vec!["raiden".to_string(), "zksync".to_string()];
        let plan = account(1, three_nodes(), &prefer, &[]);
        let w = Address::repeat_byte(7);
        assert_eq!(plan.payouts.len(), 3);
        assert_eq!(plan.payouts["l1"][&w], U256::from(10));
        assert_eq!(plan.payouts["zksync"][&w], U256::from(20));
        assert_eq!(plan.payouts["raiden"][&w], U256::from(30));
    }

    #[test]
    fn unknown_features_are_never_chosen() {
        let prefer = vec!["zksync".to_string()];
        let plan = account(1, vec![row("p", 1, "plasma", 5)], &prefer, &[]);
        assert_eq!(plan.assigned[0].1, "l1");
    }

    #[test]
    fn denied_wallets_are_held() {
        let plan = account(1, three_nodes(), &[], &[Address::repeat_byte(7)]);
        assert!(plan.payouts.is_empty());
        assert_eq!(plan.held.len(), 3);
    }

    #[test]
    fn csv_layouts() {
        let rows = three_nodes();
        let csv = invoices_csv(&rows[2..]);
        assert_eq!(
            csv,
            "period,payee,role,wallet,wallet-features,source,owed\n\
             1,node-c,operator,0x0707070707070707070707070707070707070707,\"zksync,raiden\",avs.rewards,30\n"
        );
        let mut m = BTreeMap::new();
        m.insert(Address::repeat_byte(9), U256::from(2));
        m.insert(Address::repeat_byte(1), U256::from(3));
        assert_eq!(
            payouts_csv(&m),
            "addr,amnt\n0x0101010101010101010101010101010101010101,3\n\
             0x0909090909090909090909090909090909090909,2\n"
        );
    }

    fn arb_row() -> impl Strategy<Value = InvoiceRow> {
        let feature = prop_oneof![
            Just("zksync"),
            Just("raiden"),
            Just("plasma"),
            Just("l1"),
            Just("x-9")
        ];
        (
            0u8..6,
            0u8..4,
            proptest::collection::btree_set(feature, 0..4),
            1u64..1_000_000_000_000,
            0u8..3,
        )
            .prop_map(|(payee, wallet, features, owed, source)| InvoiceRow {
                period: 1,
                payee: format!("payee-{payee}"),
                role: "operator".into(),
                wallet: Address::repeat_byte(wallet),
                features: Features::parse(&features.into_iter().collect::<Vec<_>>().join(","))
                    .unwrap(),
                source: format!("source-{source}"),
                owed: U256::from(owed),
            })
    }

    fn arb_prefer() -> impl Strategy<Value = Vec<String>> {
        Just(vec!["zksync", "raiden", "plasma"])
            .prop_shuffle()
            .prop_flat_map(|v| {
                (0..=v.len()).prop_map(move |n| v[..n].iter().map(|s| s.to_string()).collect())
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any invoices and preference order: per-payee totals are conserved (paid + held =
        /// owed), and a payout only sums rows of its own method.
        #[test]
        fn accountant_conserves_and_never_mixes_methods(
            rows in proptest::collection::vec(arb_row(), 0..40),
            prefer in arb_prefer(),
            deny in proptest::collection::vec(0u8..4, 0..2),
        ) {
            let denied: Vec<Address> = deny.iter().map(|b| Address::repeat_byte(*b)).collect();
            let plan = account(1, rows.clone(), &prefer, &denied);
            // per payee: owed = assigned + held
            let mut owed: BTreeMap<String, U256> = BTreeMap::new();
            for r in &rows { *owed.entry(r.payee.clone()).or_default() += r.owed; }
            let mut accounted: BTreeMap<String, U256> = BTreeMap::new();
            for (r, _) in &plan.assigned { *accounted.entry(r.payee.clone()).or_default() += r.owed; }
            for r in &plan.held { *accounted.entry(r.payee.clone()).or_default() += r.owed; }
            prop_assert_eq!(&owed, &accounted);
            // every assigned row's method is the first preferred feature it has, else l1
            for (r, m) in &plan.assigned {
                let want = prefer.iter().find(|p| r.features.contains(p)).map(|s| s.as_str()).unwrap_or("l1");
                prop_assert_eq!(m.as_str(), want);
                prop_assert!(!denied.contains(&r.wallet));
            }
            for r in &plan.held { prop_assert!(denied.contains(&r.wallet)); }
            // each payout is exactly the sum of its method's rows for that wallet
            let mut sums: BTreeMap<(String, Address), U256> = BTreeMap::new();
            for (r, m) in &plan.assigned { *sums.entry((m.clone(), r.wallet)).or_default() += r.owed; }
            let mut flat: BTreeMap<(String, Address), U256> = BTreeMap::new();
            for (m, rows) in &plan.payouts { for (w, a) in rows { flat.insert((m.clone(), *w), *a); } }
            prop_assert_eq!(sums, flat);
            // total conserved
            let total_owed: U256 = rows.iter().map(|r| r.owed).sum();
            let total_paid: U256 = plan.payouts.values().flat_map(|m| m.values()).copied().sum();
            let total_held: U256 = plan.held.iter().map(|r| r.owed).sum();
            prop_assert_eq!(total_owed, total_paid + total_held);
        }
    }
}
