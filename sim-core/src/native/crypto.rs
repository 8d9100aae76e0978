//! One area of `_mpsim` (the native module, `native.rs`): the AES block cipher behind
//! `cryptolib.aes` (py/cryptolib.py keeps the modes' state; this only runs blocks).

#[rustpython_vm::pymodule(sub, name = "_mpsim")]
pub(crate) mod area {
    use aes::cipher::{BlockCipherDecrypt, BlockCipherEncrypt, KeyInit};
    use aes::{Aes128, Aes256, Block};
    use rustpython_vm::function::ArgBytesLike;
    use rustpython_vm::{PyResult, VirtualMachine};

    enum Cipher {
        A128(Box<Aes128>),
        A256(Box<Aes256>),
    }

    impl Cipher {
        fn new(key: &[u8], vm: &VirtualMachine) -> PyResult<Self> {
            match key.len() {
                16 => Aes128::new_from_slice(key).map(|c| Self::A128(Box::new(c))),
                32 => Aes256::new_from_slice(key).map(|c| Self::A256(Box::new(c))),
                _ => return Err(vm.new_value_error("key")),
            }
            .map_err(|_| vm.new_value_error("key"))
        }

        fn run(&self, block: &mut Block, encrypt: bool) {
            match (self, encrypt) {
                (Self::A128(c), true) => c.encrypt_block(block),
                (Self::A128(c), false) => c.decrypt_block(block),
                (Self::A256(c), true) => c.encrypt_block(block),
                (Self::A256(c), false) => c.decrypt_block(block),
            }
        }
    }

    /// `data` (a whole number of 16-byte blocks) through AES with `key` (16 or 32 bytes).
    /// With `iv` (16 bytes) the blocks are chained (CBC) and the result ends with the IV the
    /// next call continues from; without it each block stands alone (ECB).
    #[pyfunction]
    fn aes_blocks(
        key: ArgBytesLike,
        data: ArgBytesLike,
        encrypt: bool,
        iv: Option<ArgBytesLike>,
        vm: &VirtualMachine,
    ) -> PyResult<Vec<u8>> {
        let cipher = key.with_ref(|k| Cipher::new(k, vm))?;
        let input = data.borrow_buf().to_vec();
        if !input.len().is_multiple_of(16) {
            return Err(vm.new_value_error("blksize % 16"));
        }
        let mut chain = match &iv {
            Some(iv) => {
                let v = iv.borrow_buf();
                Some(<[u8; 16]>::try_from(&v[..]).map_err(|_| vm.new_value_error("IV"))?)
            }
            None => None,
        };
        let mut out = Vec::with_capacity(input.len() + 16);
        for chunk in input.chunks_exact(16) {
            let mut bytes = [0u8; 16];
            bytes.copy_from_slice(chunk);
            if encrypt && let Some(c) = &chain {
                bytes.iter_mut().zip(c).for_each(|(b, c)| *b ^= c);
            }
            let mut block = Block::from(bytes);
            cipher.run(&mut block, encrypt);
            let mut result: [u8; 16] = block.into();
            if let Some(c) = &mut chain {
                if encrypt {
                    *c = result;
                } else {
                    result.iter_mut().zip(c.iter()).for_each(|(b, c)| *b ^= c);
                    c.copy_from_slice(chunk);
                }
            }
            out.extend_from_slice(&result);
        }
        if let Some(c) = chain {
            out.extend_from_slice(&c);
        }
        Ok(out)
    }
}
