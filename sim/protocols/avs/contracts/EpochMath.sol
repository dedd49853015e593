// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Epoch arithmetic
/// @notice currentEpoch(b) = (b − G) / L; graceStart(e) = G + (e+1)·L − P; an update at b lands in
/// currentEpoch(b) + 2 when b is in the grace period of its epoch, otherwise currentEpoch(b) + 1.
library EpochMath {
    function current(uint256 g, uint256 l, uint256 b) internal pure returns (uint32) {
        return uint32((b - g) / l);
    }

    function start(uint256 g, uint256 l, uint32 e) internal pure returns (uint256) {
        return g + uint256(e) * l;
    }

    function graceStart(uint256 g, uint256 l, uint256 p, uint32 e) internal pure returns (uint256) {
        return start(g, l, e + 1) - p;
    }

    function inGrace(uint256 g, uint256 l, uint256 p, uint256 b) internal pure returns (bool) {
        return b >= graceStart(g, l, p, current(g, l, b));
    }

    function effective(uint256 g, uint256 l, uint256 p, uint256 b) internal pure returns (uint32) {
        return current(g, l, b) + (inGrace(g, l, p, b) ? 2 : 1);
    }
}
