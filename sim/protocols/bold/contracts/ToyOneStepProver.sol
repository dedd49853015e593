// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title ToyOneStepProver
/// @notice The toy machine of spec §3.8: `F(x, k) = keccak(TAG ‖ x ‖ uint64 k ‖ seed)` with
/// `TAG = keccak("crucible.toy.step.v1")` and `seed = wasmModuleRoot`.
contract ToyOneStepProver {
    bytes32 public constant TAG = keccak256("crucible.toy.step.v1");

    function proveOneStep(bytes32 seed, uint256 step, bytes32 before) external pure returns (bytes32) {
        return keccak256(abi.encodePacked(TAG, before, uint64(step), seed));
    }
}
