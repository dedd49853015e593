// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

import "raiden/Messages.sol";

/// @title ServiceRegistry
/// @notice Monitoring services register by deposit; a registration is valid until `valid_till`.
///         The price is fixed by default; with `decaying_price` it decays from the last price
///         paid as in the Raiden contract and is bumped by every deposit.
contract ServiceRegistry {
    IERC20 public immutable token;
    uint256 public immutable registration_duration;
    bool public immutable decaying_price;
    uint256 public immutable decay_constant;
    uint256 public immutable min_price;
    uint256 public immutable price_bump_numerator;
    uint256 public immutable price_bump_denominator;

    uint256 public set_price;
    uint256 public set_price_at;

    mapping(address service => uint256) public service_valid_till;
    /// @notice Tokens locked per service, releasable after `service_valid_till`.
    mapping(address service => uint256) public deposits;

    event RegisteredService(address indexed service, uint256 valid_till, uint256 deposit_amount, address deposit_contract);

    constructor(
        address token_,
        uint256 initial_price,
        uint256 registration_duration_,
        bool decaying_price_,
        uint256 decay_constant_,
        uint256 min_price_,
        uint256 price_bump_numerator_,
        uint256 price_bump_denominator_
    ) {
        require(registration_duration_ > 0, "registration duration zero");
        require(!decaying_price_ || (decay_constant_ > 0 && price_bump_denominator_ > 0), "invalid price decay");
        token = IERC20(token_);
        set_price = initial_price;
        set_price_at = block.timestamp;
        registration_duration = registration_duration_;
        decaying_price = decaying_price_;
        decay_constant = decay_constant_;
        min_price = min_price_;
        price_bump_numerator = price_bump_numerator_;
        price_bump_denominator = price_bump_denominator_;
    }

    /// @notice Price of one registration now.
    function currentPrice() public view returns (uint256) {
        if (!decaying_price) {
            return set_price;
        }
        uint256 x = block.timestamp - set_price_at;
        uint256 a = decay_constant;
        uint256 numerator = 24 * a ** 4;
        uint256 denominator = numerator + 24 * a ** 3 * x + 12 * a ** 2 * x ** 2 + 4 * a * x ** 3 + x ** 4;
        uint256 price = set_price * numerator / denominator;
        return price < min_price ? min_price : price;
    }

    /// @notice Pays the current price (at most `limit_amount`) and extends the registration.
    function deposit(uint256 limit_amount) external {
        uint256 amount = currentPrice();
        require(amount <= limit_amount, "not enough limit");
        uint256 start = service_valid_till[msg.sender] > block.timestamp ? service_valid_till[msg.sender] : block.timestamp;
        uint256 valid_till = start + registration_duration;
        service_valid_till[msg.sender] = valid_till;
        deposits[msg.sender] += amount;
        if (decaying_price) {
            set_price = amount * price_bump_numerator / price_bump_denominator;
            set_price_at = block.timestamp;
        }
        require(token.transferFrom(msg.sender, address(this), amount), "token transfer failed");
        emit RegisteredService(msg.sender, valid_till, amount, address(this));
    }

    function hasValidRegistration(address service) public view returns (bool) {
        return block.timestamp < service_valid_till[service];
    }
}
