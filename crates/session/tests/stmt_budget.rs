//! A statement's staged writes count against its transaction's size limit as they are staged
//! (TiDB's `txn-total-size-limit`, 8004), so a statement writing a huge table fails before its
//! staged writes fill memory, not when they reach the transaction.

use kv::{Storage, TxnOptions};
use sql::stmt_txn::StmtTxn;
use store_local::{LocalOptions, LocalStorage};

#[test]
fn staged_writes_past_the_transaction_limit_fail_at_once() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let opts = LocalOptions { gc_interval: None, max_txn_size: 1000, ..Default::default() };
    let store = LocalStorage::open(dir.path(), opts).expect("store");
    let mut txn = store.begin(TxnOptions::default()).expect("begin");
    txn.put(b"held".to_vec(), vec![0; 96]).expect("100 bytes buffered by the transaction");
    {
        let mut st = StmtTxn::new(txn.as_mut());
        for i in 0..8 {
            st.put(format!("k{i}").into_bytes(), vec![1; 98]).expect("100 bytes each: 900");
        }
        st.put(b"k0".to_vec(), vec![2; 98]).expect("a key staged again counts once: 900");
        st.delete(b"k1".to_vec()).expect("a delete keeps its key only: 802");
        st.put(b"k8".to_vec(), vec![3; 98]).expect("902");
        let err = st.put(b"k9".to_vec(), vec![4; 98]).expect_err("1 002 bytes");
        assert_eq!(err.code, 8004, "{err:?}");
        assert!(err.message.contains("1002"), "{err:?}");
        st.flush().expect("what was staged fits");
    }
    assert_eq!(txn.get(b"k0").expect("get"), Some(vec![2; 98]));
    assert_eq!(txn.get(b"k1").expect("get"), None);
    assert_eq!(txn.get(b"k9").expect("get"), None);
}
