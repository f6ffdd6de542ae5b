-- Run once, when the volume is new: one database per service, as in production.
CREATE DATABASE "user";
CREATE DATABASE cart;
CREATE DATABASE payment;
